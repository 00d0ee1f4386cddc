# presence-mock: the emulator as a container. `docker run -p 8080:8080 -p 8081:8081 presence-mock`
# serves the seeded account with no arguments (the REST API and the board on 8080, the WebSocket
# gateway and the board's live stream on 8081); every option reads PRESENCE_MOCK_<NAME>.
FROM python:3.11-slim

# No .pyc writes at run time (the package dir belongs to root) and unbuffered logs for `docker logs`.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Only what the package build needs (see .dockerignore), so edits to tests don't bust the cache.
COPY pyproject.toml README.md LICENSE ./
COPY mockserver ./mockserver
COPY presence_mock_kit ./presence_mock_kit
COPY schemas ./schemas
COPY fixtures ./fixtures
# Runtime only: no test extras. The redis extra brings the client of the redis:// store
# (compose.yaml); granian, the server `serve` runs, is a dependency of the package itself.
# Byte-compile at build time because the non-root user cannot write into site-packages.
RUN pip install --no-cache-dir '.[redis]' \
    && python -m compileall -q "$(python -c 'import mockserver, os; print(os.path.dirname(mockserver.__file__))')" \
    && rm -rf /app/*

# A system user of its own, with a home directory for whatever a tool may want to keep there.
RUN useradd --system --uid 10001 --create-home --shell /usr/sbin/nologin presence
USER presence
WORKDIR /tmp

# The WebSocket gateway and the event stream listen on a port of their own: publish
# it under the same number (-p 8081:8081), since wstoken's uri names that port, or set
# PRESENCE_MOCK_GATEWAY_PUBLIC_URL to where it is published (-p 18081:8081: ws://localhost:18081).
ENV PRESENCE_MOCK_HOST=0.0.0.0 \
    PRESENCE_MOCK_PORT=8080 \
    PRESENCE_MOCK_GATEWAY_PORT=8081
EXPOSE 8080 8081

# slim has no curl; python's urllib is always there. CMD-SHELL (the shell form) so the port follows
# PRESENCE_MOCK_PORT when it is overridden with `-e`.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
        "http://127.0.0.1:${PRESENCE_MOCK_PORT:-8080}/_mock/health" || exit 1

CMD ["presence-mock", "serve"]
