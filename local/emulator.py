"""Nine repairs that keep a long-running local runtime on moto 5.2.5 steady (issue 11, section 6).

Measured alone (docs/upstream/moto-transact-write-items-leak.md): every `TransactWriteItems` deep-copies
each table it names as a rollback backup, and moto's `BaseModel.__new__` appends every instance it
creates, copies included, to a class-level `instances_tracked` list that nothing ever empties. So each
transaction keeps a whole copy of the table alive for good (0.7 MB per transaction on a table of 1,000
small items) and costs time in proportion to the table's size. And a `Query` on the table's own key
walks every item of the table, not the one partition it names.

The repairs are for the local runtime only and rely on its one lock around the emulator
(`LocalSystem._moto_lock`): `install()` once, then `after_call()` under that lock after every call.

1. Models are not tracked (`LiveInstances`): a copy nobody else holds is freed, which also frees the
   single-item copy every `UpdateItem` makes. moto's dashboard (and S3's reset) still get every live
   model, found among the collector's objects when asked; no weak reference per model (about 150 bytes
   each, 15 a flow) is kept meanwhile. moto's SNS also keeps each text a second time, as a model for that
   dashboard only: those copies are dropped.
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
9. Items share their equal scalar values. moto wraps each attribute value in an object of its own (97 bytes
   before the value), and of the 72,000 scalar values 500 flows leave, 19,000 are distinct: a request's
   status, its partner, its reservation, its key in the items that name it. Every half minute, the items
   written since the last pass (noted from each write's parameters) point their equal strings, short
   numbers and booleans at one object, as do their key attributes at the key the table files them under:
   a flow's items take 14 KB instead of 19.6. Maps, lists and sets stay each item's own, since update
   expressions change those in place; a scalar is only ever replaced.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import json
import pickle
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any

_installed: dict[str, Any] = {}


class LiveInstances:
    """Stands in for a moto model class's `instances_tracked` list: keeps nothing, and lists the class's
    live instances when read (moto's dashboard, S3's reset), from the garbage collector's objects."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def append(self, instance: Any) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        model = self._model
        return iter([instance for instance in gc.get_objects() if type(instance) is model])

    def __len__(self) -> int:
        return sum(1 for _ in self)


def untrack_models() -> None:
    """Swap every moto model class's tracking list (classes appear as services load) for `LiveInstances`."""
    from moto.core.model_instances import model_data

    known = sum(len(models) for models in model_data.values())
    if _installed.get("known_models") == known:
        return  # no class loaded since the last call (moto's /moto-api/reset, unused here, brings lists back)
    for models in list(model_data.values()):
        for model in list(models.values()):
            tracked = vars(model).get("instances_tracked")
            if isinstance(tracked, list):
                model.instances_tracked = LiveInstances(model)  # type: ignore[attr-defined]
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
    if not isinstance(params, dict):
        return _installed["call_action"](handler)
    handler.params = shared_strings(params)
    answer = _installed["call_action"](handler)
    _note_written(handler, handler.params)
    return answer


# -- 5. finished executions ---------------------------------------------------------------------------

COMPACT_EVERY_SECONDS = 2.0
_compaction: dict[str, float] = {"last": 0.0}


_history_dictionary: dict[str, bytes] = {}


class EndedExecution:
    """Stands in for an ended execution's worker and environment: its history, and nothing to call back.

    It answers every attribute moto's backend reads from `execution.exec_worker(.env)`: the event history
    (`env.event_manager.get_event_history()`), callbacks (`env.callback_pool_manager.notify/heartbeat/get`:
    no such callback), map runs (`env.map_run_record_pool_manager.get/get_all`: none) and stop (no-op)."""

    def __init__(self, history: Any) -> None:
        raw = pickle.dumps(history, protocol=pickle.HIGHEST_PROTOCOL)
        # The first history compressed is the preset dictionary of all the others: the same workflow's
        # histories differ in ids and times, so each takes about 260 bytes instead of 1,330.
        self._dictionary = _history_dictionary.setdefault("first", raw)
        packer = zlib.compressobj(zdict=self._dictionary)
        self._history = packer.compress(raw) + packer.flush()

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
        unpacker = zlib.decompressobj(zdict=self._dictionary)
        raw = unpacker.decompress(self._history) + unpacker.flush()
        return pickle.loads(raw)  # noqa: S301 - bytes this process pickled

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


def drop_sms_models() -> int:
    """Drop the second copy moto's SNS keeps of every text (a model for its dashboard; `sms_messages`, which
    the outbox reads, keeps the text). Returns how many. Run under the emulator lock."""
    from moto.sns.models import sns_backends

    dropped = 0
    for regions in list(dict.values(sns_backends)):
        for backend in list(dict.values(regions)):
            dropped += len(backend.sms_message_objects)
            backend.sms_message_objects.clear()
    return dropped


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


# -- 9. shared attribute values -------------------------------------------------------------------------

SHARED_NUMBER_CHARS = 10  # counts and epoch seconds repeat across a request's items; milliseconds rarely do
_SHARED_KINDS = ("S", "N", "BOOL", "NULL")  # scalars: update expressions replace them, never change them


def _share(attribute: Any, shared: dict[str, dict[Any, Any]]) -> Any:
    """`attribute` (a moto `DynamoType`), or an equal scalar met before. A map or list keeps its own
    container (update expressions change those in place) and shares its members."""
    value = attribute.value
    kind = attribute.type
    if kind == "M":
        for name, member in value.items():
            value[name] = _share(member, shared)
        return attribute
    if kind == "L":
        value[:] = [_share(member, shared) for member in value]
        return attribute
    if kind not in _SHARED_KINDS:
        return attribute
    limit = SHARED_VALUE_CHARS if kind == "S" else SHARED_NUMBER_CHARS
    if isinstance(value, str) and len(value) > limit:
        return attribute
    return shared[kind].setdefault(value, attribute)


_written: dict[int, tuple[Any, set[tuple[str, Any]]]] = {}  # id(table) -> table, partitions written


def _written_items(action: str, params: dict[str, Any]) -> Iterator[tuple[Any, Any]]:
    """(table name, attributes holding the key) of each item a DynamoDB request writes."""
    if action == "PutItem":
        yield params.get("TableName"), params.get("Item")
    elif action == "UpdateItem":
        yield params.get("TableName"), params.get("Key")
    elif action == "TransactWriteItems":
        for entry in params.get("TransactItems") or []:
            for kind, field in (("Put", "Item"), ("Update", "Key")):
                if isinstance(entry.get(kind), dict):
                    yield entry[kind].get("TableName"), entry[kind].get(field)
    elif action == "BatchWriteItem":
        for name, writes in (params.get("RequestItems") or {}).items():
            for write in writes:
                yield name, (write.get("PutRequest") or {}).get("Item")


def _note_written(handler: Any, params: dict[str, Any]) -> None:
    tables = handler.dynamodb_backend.tables
    for name, attributes in _written_items(handler._get_action(), params):
        table = tables.get(name)
        key = (
            attributes.get(table.hash_key_attr)
            if table is not None and isinstance(attributes, dict)
            else None
        )
        if isinstance(key, dict) and len(key) == 1:
            _written.setdefault(id(table), (table, set()))[1].add(next(iter(key.items())))


def share_equal_values() -> int:
    """In the partitions written since the last call, make equal scalar attribute values one object.
    Returns how many top-level attributes it replaced. Run under the emulator lock."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    written = list(_written.values())
    _written.clear()
    shared: dict[str, dict[Any, Any]] = {kind: {} for kind in _SHARED_KINDS}  # one pass's values only
    replaced = 0
    for table, partitions in written:
        for kind, value in partitions:
            stored = table.items.get(DynamoType({kind: value}))
            if stored is None:
                continue
            for item in list(stored.values()) if table.has_range_key else [stored]:
                # The key's own objects stand for the key attributes too.
                own = {table.hash_key_attr: item.hash_key, table.range_key_attr: item.range_key}
                attrs = item.attrs
                for name, attribute in list(attrs.items()):
                    one = own.get(name)
                    if one is None:
                        one = _share(attribute, shared)
                    if one is not attribute:
                        dict.__setitem__(attrs, name, one)  # the item's size is unchanged
                        replaced += 1
    return replaced


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
    untrack_models()


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
    _written.clear()
    _history_dictionary.clear()
    _installed.pop("known_models", None)


def after_call() -> None:
    """Run under the emulator lock after each call: services loaded by the call get weak tracking too,
    every few seconds ended executions give back what only a running one needs and freed memory goes back
    to the system, and every half minute long-expired items leave their tables and the items written
    since share their equal values."""
    untrack_models()
    now = time.monotonic()
    if now - _compaction["last"] >= COMPACT_EVERY_SECONDS:
        _compaction["last"] = now
        compact_ended_executions()
        drop_sms_models()
        give_back_freed_memory()
    if now - _expiry["last"] >= EXPIRE_EVERY_SECONDS:
        _expiry["last"] = now
        expire_items()
        share_equal_values()
