"""Where the emulator runs: the processes of `serve` and the background work of every mode.

background.py       the background services (WebHook deliverer, office-day player), wired
                    once: threads (serve's gateway process, flask run) or steps (in process)
devserver.py        the app `flask --app mockserver run` serves (`mockserver.app`): services
                    started on its first request
serve.py            `presence-mock serve`: ports, scratch store, credentials file, the order
                    of start and stop
workers.py          granian's WSGI workers and their settings, forked from the built app
gateway_process.py  the gateway's own process (its WebSocket and SSE code: gateway/)
supervisor.py       restarts a gateway process that dies
orphans.py          every child of serve stops when serve is gone
companions.py       the process `serve --scenario` starts beside the server
"""
