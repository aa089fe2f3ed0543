"""Eight repairs that keep a long-running local runtime on moto 5.2.5 steady (issue 11, section 6).

Measured alone (docs/upstream/moto-transact-write-items-leak.md): every `TransactWriteItems` deep-copies
each table it names as a rollback backup, and moto's `BaseModel.__new__` appends every instance it
creates, copies included, to a class-level `instances_tracked` list that nothing ever empties. So each
transaction keeps a whole copy of the table alive for good (0.7 MB per transaction on a table of 1,000
small items) and costs time in proportion to the table's size. And a `Query` on the table's own key
walks every item of the table, not the one partition it names.

The repairs are for the local runtime only and rely on its one lock around the emulator
(`LocalSystem._moto_lock`): `install()` once, then `after_call()` under that lock after every call.

1. Tracking is kept, but weakly (`WeakTracking`): moto's dashboard still lists live models, and a copy
   nobody else holds is freed. This also frees the single-item copy every `UpdateItem` makes.
2. A transaction backs up only the items it names instead of whole tables: during the call a table's
   deep copy is the table itself (so moto's own rollback is a no-op), and on failure the named items are
   put back as they were. Same outcome, at a cost that no longer grows with the table.
3. A `Query` hands moto only the items that can match its partition key: the one partition for the
   table's own key (moto keeps items by partition already, but sorts and walks the whole table per
   query), a cheap equality pass for an index. moto still applies every condition itself.
4. `TransactWriteItems` honours `ClientRequestToken`, which moto ignores: within 10 minutes, a repeat of an
   applied token with the same request succeeds without applying it again, and with a different request is
   `IdempotentParameterMismatchException`, as DynamoDB does. The store sends one token across its retries
   (`handlers/store/retry.py`), so a retry after a lost answer (`/_local/faults` `timeout`) is told
   success, instead of failing the conditions its first attempt satisfied.
5. A finished Step Functions execution keeps only what DescribeExecution and GetExecutionHistory read.
   moto keeps every execution's whole interpreter environment (states, frames, callback pools, and the
   event history as live objects: about 23 KB per execution of this workflow, measured) and every thread
   it ever started (`TMP_THREADS`, four per execution). Every few seconds, under the lock, each execution
   that ended has its environment replaced by its history, pickled and compressed, and dead threads leave
   the list. Callbacks to an ended execution find nothing there (`InvalidToken`), as on AWS. The copy of
   the state machine moto makes for each execution is shared by the ended ones whose copies are equal.
6. Items past their TTL leave the table, as DynamoDB's TTL deletes them (there, within a few days; here
   ten minutes after it). moto keeps every item for good, at about 3.8 KB each, so the short-lived items
   every question leaves (rate windows, codes, open-question markers, links) would add up for as long as
   a demo runs. The handlers treat an expired item as absent (`handlers/store/keys.py`), as they must on
   AWS; the grace keeps what a page shows just after an expiry (an expired link says so) as it was.
7. Freed memory goes back to the system. Each request runs on a thread of its own here, and glibc's malloc
   keeps the pages freed on a thread's arena for later use instead of returning them: measured over 200
   flows, resident memory grew by 32 MB while the live objects (items, executions, texts) grew by 6 MB,
   and one `malloc_trim(0)` gave 47 MB back in under a millisecond. So the compaction pass of repair 5
   ends with one, and the threads share two arenas instead of up to eight per core, so that what one
   request's thread freed the next one's reuses (glibc only; elsewhere neither does anything).
8. Items share their attribute names and short values. moto keeps each attribute as the strings its JSON
   parser made for that request, so every item holds its own copy of every name (`requestId`, `status`,
   ...) and of every repeated value (`Responded`, a partner's name). Each DynamoDB request's parameters
   are interned before moto reads them: on this table's items, the names alone take 3.7 KB an item to 2.9.
"""

from __future__ import annotations

import copy
import hashlib
import json
import pickle
import sys
import threading
import time
import weakref
import zlib
from collections.abc import Iterator
from typing import Any

_installed: dict[str, Any] = {}


class WeakTracking:
    """A stand-in for moto's `instances_tracked` list that does not keep its instances alive.

    Keyed by `id()`: several moto models define `__eq__` without `__hash__`, so a WeakSet cannot hold them.
    """

    def __init__(self, instances: Any = ()) -> None:
        self._instances: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
        for instance in instances:
            self.append(instance)

    def append(self, instance: Any) -> None:
        self._instances[id(instance)] = instance

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._instances.values()))

    def __len__(self) -> int:
        return len(self._instances)


def track_weakly() -> None:
    """Swap every moto model class's tracking list (classes appear as services load) for `WeakTracking`."""
    from moto.core.model_instances import model_data

    known = sum(len(models) for models in model_data.values())
    if _installed.get("known_models") == known:
        return  # no class loaded since the last call (moto's /moto-api/reset, unused here, brings lists back)
    for models in list(model_data.values()):
        for model in list(models.values()):
            tracked = vars(model).get("instances_tracked")
            if isinstance(tracked, list) and getattr(model, "__weakrefoffset__", 0) > 0:
                model.instances_tracked = WeakTracking(tracked)  # type: ignore[attr-defined]
    _installed["known_models"] = known


def _same_table(table: Any, memo: dict[int, Any]) -> Any:
    del memo
    return table


def _named_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any]]:
    """(table, hash key, range key, a copy of the item or None) for each item the transaction names."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    named = []
    for entry in transact_items:
        for operation in entry.values():
            if not isinstance(operation, dict):
                continue
            table = backend.tables.get(operation.get("TableName"))
            key = operation.get("Item", operation.get("Key"))
            if table is None or not isinstance(key, dict):
                continue  # moto refuses it before writing anything
            try:
                hash_value = DynamoType(key[table.hash_key_attr])
                range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
                current = table.get_item(hash_value, range_value)
            except Exception:  # noqa: S112 - a malformed key: moto refuses that operation itself
                continue
            named.append((table, hash_value, range_value, copy.deepcopy(current)))
    return named


def _put_back(named: list[tuple[Any, Any, Any, Any]]) -> None:
    for table, hash_value, range_value, item in reversed(named):  # the first copy of a key is the original
        if item is None:
            table.delete_item(hash_value, range_value)
        elif range_value is None:
            table.items[hash_value] = item
        else:
            table.items[hash_value][range_value] = item


def _transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
    from moto.dynamodb.models.table import Table

    named = _named_items(backend, transact_items)
    Table.__deepcopy__ = _same_table  # type: ignore[attr-defined]
    try:
        _installed["transact_write_items"](backend, transact_items)
    except BaseException:
        _put_back(named)
        raise
    finally:
        del Table.__deepcopy__  # type: ignore[attr-defined]


def _sort_key(item: Any) -> Any:
    return (item.hash_key, item.range_key) if item.range_key else item.hash_key  # as moto's `all_items`


def _candidates(table: Any, hash_key: Any, index_name: str | None, conditions: Any) -> list[Any] | None:
    """The items a Query can match, in moto's `all_items()` order; None where moto should look itself."""
    if index_name is None:
        if hash_key is None:
            return None
        partition = table.items.get(hash_key)
        found = list(partition.values()) if isinstance(partition, dict) else [partition] if partition else []
        return sorted(found, key=_sort_key)
    if not conditions:
        return None
    every = (
        item
        for stored in table.items.values()
        for item in (stored.values() if isinstance(stored, dict) else (stored,))
    )
    return sorted((item for item in every if _matches(item, conditions)), key=_sort_key)


def _matches(item: Any, conditions: Any) -> bool:
    for name, value in conditions:
        stored = item.attrs.get(name)
        if stored is None or stored.type != value.type:
            return False
        if stored.value != value.value and stored != value:  # moto's own equality for numbers ("1" = "1.0")
            return False
    return True


def _query(table: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    candidates = _candidates(table, hash_key, index_name, kwargs.get("hash_key_conditions"))
    if candidates is None:
        return _installed["query"](table, hash_key, *args, **kwargs)
    table.all_items = lambda: candidates  # moto filters `all_items()` by the key conditions: hand it fewer
    try:
        return _installed["query"](table, hash_key, *args, **kwargs)
    finally:
        del table.all_items


# -- 4. ClientRequestToken -----------------------------------------------------------------------------

IDEMPOTENCY_SECONDS = 600.0  # DynamoDB's window for a transaction's ClientRequestToken
_tokens: dict[str, tuple[str, float]] = {}  # token -> (digest of the request, monotonic time applied)
_tokens_lock = threading.Lock()


def _transact_response(handler: Any) -> Any:
    from moto.dynamodb.exceptions import DynamodbException

    body = handler.body
    token = body.get("ClientRequestToken")
    if not isinstance(token, str):
        return _installed["transact_response"](handler)
    request = {key: value for key, value in body.items() if key != "ClientRequestToken"}
    digest = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
    now = time.monotonic()
    with _tokens_lock:
        for old in [t for t, (_, at) in _tokens.items() if now - at > IDEMPOTENCY_SECONDS]:
            del _tokens[old]
        seen = _tokens.get(token)
    if seen is not None:
        if seen[0] != digest:
            raise DynamodbException(
                "IdempotentParameterMismatchException",
                "The request uses the same client token as a previous, but non-identical request.",
            )
        from moto.core.responses import ActionResult

        return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})
    answer = _installed["transact_response"](handler)  # raises when cancelled: only applied tokens count
    with _tokens_lock:
        _tokens[token] = (digest, now)
    return answer


# -- 8. shared names and values ----------------------------------------------------------------------

SHARED_VALUE_CHARS = 64  # longer strings (messages, digests) are rarely repeated: left as they are


def shared_strings(value: Any) -> Any:
    """`value` (parsed JSON) with every key and every short string value interned."""
    if isinstance(value, dict):
        return {sys.intern(k) if isinstance(k, str) else k: shared_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shared_strings(v) for v in value]
    if isinstance(value, str) and len(value) <= SHARED_VALUE_CHARS:
        return sys.intern(value)
    return value


def _call_action(handler: Any) -> Any:
    params = getattr(handler, "params", None)
    if isinstance(params, dict):
        handler.params = shared_strings(params)
    return _installed["call_action"](handler)


# -- 5. finished executions ---------------------------------------------------------------------------

COMPACT_EVERY_SECONDS = 2.0
_compaction: dict[str, float] = {"last": 0.0}


class EndedExecution:
    """Stands in for an ended execution's worker and environment: its history, and nothing to call back.

    It answers every attribute moto's backend reads from `execution.exec_worker(.env)`: the event history
    (`env.event_manager.get_event_history()`), callbacks (`env.callback_pool_manager.notify/heartbeat/get`:
    no such callback), map runs (`env.map_run_record_pool_manager.get/get_all`: none) and stop (no-op)."""

    def __init__(self, history: Any) -> None:
        self._history = zlib.compress(pickle.dumps(history, protocol=pickle.HIGHEST_PROTOCOL))

    @property
    def env(self) -> EndedExecution:
        return self

    @property
    def event_manager(self) -> EndedExecution:
        return self

    @property
    def callback_pool_manager(self) -> EndedExecution:
        return self

    @property
    def map_run_record_pool_manager(self) -> EndedExecution:
        return self

    def get_event_history(self) -> Any:
        return pickle.loads(zlib.decompress(self._history))  # noqa: S301 - bytes this process pickled

    def notify(self, *_: Any, **__: Any) -> bool:
        return False

    def heartbeat(self, *_: Any, **__: Any) -> bool:
        return False

    def get(self, *_: Any, **__: Any) -> None:
        return None

    def get_all(self) -> list[Any]:
        return []

    def stop(self, *_: Any, **__: Any) -> None:
        return None


M_ARENA_MAX = -8  # glibc's mallopt parameter
MALLOC_ARENAS = 2


def _libc(name: str) -> Any:
    """A glibc function, or None where the C library has none (macOS, musl)."""
    if name not in _installed:
        import ctypes
        import ctypes.util

        try:
            function: Any = getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
            function.restype = ctypes.c_int
        except (OSError, AttributeError):
            function = None
        _installed[name] = function
    return _installed[name]


def share_malloc_arenas() -> bool:
    """Threads share `MALLOC_ARENAS` malloc arenas instead of up to eight per core: what one request's
    thread freed, the next one's can reuse (repair 7). Call before serving; True where glibc took it."""
    mallopt = _libc("mallopt")
    return bool(mallopt(M_ARENA_MAX, MALLOC_ARENAS)) if mallopt is not None else False


def give_back_freed_memory() -> bool:
    """Return the free pages of every malloc arena to the system (repair 7); True if any went back."""
    import ctypes

    trim = _libc("malloc_trim")
    return bool(trim(ctypes.c_size_t(0))) if trim is not None else False


_snapshots: dict[tuple[Any, ...], Any] = {}


def _shared_snapshot(machine: Any) -> Any:
    """One of the equal snapshots of a state machine: moto deep-copies the machine for every execution (its
    definition as it was), and an ended execution's copy is only read, so equal copies can be one."""
    key = tuple(getattr(machine, name, None) for name in ("arn", "revision_id", "definition", "roleArn"))
    return _snapshots.setdefault(key, machine)


def compact_ended_executions() -> int:
    """Replace the worker of every ended execution by an `EndedExecution`; prune dead threads. Returns how
    many executions were compacted. Run under the emulator lock."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends
    from moto.stepfunctions.parser.utils import TMP_THREADS

    compacted = 0
    for regions in list(dict.values(stepfunctions_parser_backends)):
        for backend in list(dict.values(regions)):
            for machine in list(backend.state_machines):
                for execution in list(machine.executions):
                    worker = getattr(execution, "exec_worker", None)
                    if worker is None or isinstance(worker, EndedExecution):
                        continue
                    if getattr(execution, "exec_status", None) is None or execution.status == "RUNNING":
                        continue
                    env = getattr(worker, "env", None)
                    history = env.event_manager.get_event_history() if env is not None else []
                    execution.exec_worker = EndedExecution(history)  # type: ignore[attr-defined]
                    execution.state_machine = _shared_snapshot(execution.state_machine)  # type: ignore[attr-defined]
                    compacted += 1
    TMP_THREADS[:] = [thread for thread in TMP_THREADS if thread.is_alive()]
    return compacted


EXPIRE_EVERY_SECONDS = 30.0
EXPIRY_GRACE_SECONDS = 600
_expiry: dict[str, float] = {"last": 0.0}


def expire_items(now: float | None = None) -> int:
    """Delete the items whose TTL (epoch seconds) passed over `EXPIRY_GRACE_SECONDS` ago, on every table
    with TTL enabled. Returns how many. Run under the emulator lock."""
    from moto.dynamodb.models import dynamodb_backends

    cutoff = (time.time() if now is None else now) - EXPIRY_GRACE_SECONDS
    removed = 0
    for regions in list(dict.values(dynamodb_backends)):
        for backend in list(dict.values(regions)):
            for table in list(backend.tables.values()):
                attribute = table.ttl.get("AttributeName")
                if table.ttl.get("TimeToLiveStatus") != "ENABLED" or not attribute:
                    continue
                for hash_key, stored in list(table.items.items()):
                    entries: list[tuple[Any, Any]] = (
                        list(stored.items()) if table.has_range_key else [(None, stored)]
                    )
                    for range_key, item in entries:
                        expires = item.attrs.get(attribute)
                        if expires is not None and expires.type == "N" and float(expires.value) < cutoff:
                            table.delete_item(hash_key, range_key)
                            removed += 1
                    if table.has_range_key and not stored:
                        table.items.pop(hash_key, None)  # an emptied partition frees its dict too
    return removed


def install() -> None:
    """Apply the repairs (idempotent). Call before serving; the caller serialises emulator calls."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    if "transact_write_items" not in _installed:
        _installed["transact_write_items"] = DynamoDBBackend.transact_write_items
        DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign, assignment]
    if "query" not in _installed:
        _installed["query"] = Table.query
        Table.query = _query  # type: ignore[method-assign, assignment]
    if "transact_response" not in _installed:
        from moto.dynamodb.responses import DynamoHandler

        _installed["transact_response"] = DynamoHandler.transact_write_items
        DynamoHandler.transact_write_items = _transact_response  # type: ignore[method-assign, assignment]
    if "arenas" not in _installed:
        _installed["arenas"] = share_malloc_arenas()
    if "call_action" not in _installed:
        from moto.dynamodb.responses import DynamoHandler

        _installed["call_action"] = DynamoHandler.call_action
        DynamoHandler.call_action = _call_action  # type: ignore[method-assign]
    track_weakly()


def uninstall() -> None:
    """Undo `install()` (tests): moto's own transaction again, and plain lists for classes loaded later."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original = _installed.pop("transact_write_items", None)
    if original is not None:
        DynamoDBBackend.transact_write_items = original  # type: ignore[method-assign]
    original = _installed.pop("query", None)
    if original is not None:
        Table.query = original  # type: ignore[method-assign]
    original = _installed.pop("transact_response", None)
    if original is not None:
        from moto.dynamodb.responses import DynamoHandler

        DynamoHandler.transact_write_items = original  # type: ignore[method-assign]
    original = _installed.pop("call_action", None)
    if original is not None:
        from moto.dynamodb.responses import DynamoHandler

        DynamoHandler.call_action = original  # type: ignore[method-assign]
    with _tokens_lock:
        _tokens.clear()
    _snapshots.clear()
    _installed.pop("known_models", None)


def after_call() -> None:
    """Run under the emulator lock after each call: services loaded by the call get weak tracking too,
    every few seconds ended executions give back what only a running one needs and freed memory goes back
    to the system, and every half minute
    long-expired items leave their tables."""
    track_weakly()
    now = time.monotonic()
    if now - _compaction["last"] >= COMPACT_EVERY_SECONDS:
        _compaction["last"] = now
        compact_ended_executions()
        give_back_freed_memory()
    if now - _expiry["last"] >= EXPIRE_EVERY_SECONDS:
        _expiry["last"] = now
        expire_items()
