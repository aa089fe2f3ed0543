"""Run the whole system on this machine: the Pulumi program deployed onto an embedded AWS emulator."""
