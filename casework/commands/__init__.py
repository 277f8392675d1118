"""The subcommands of `casework`."""
