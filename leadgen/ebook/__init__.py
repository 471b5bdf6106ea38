"""The training guide: rendering (render), app-bound access (service) and the CLI (cli)."""
