# Baton container images: `docker build --target server -t baton-server .` and `--target agent -t baton-agent .`
#
# Both run as the unprivileged user 10001 with a read-only root filesystem: everything Baton writes goes to
# /var/lib/baton (server: SQLite + blobs + generated master key; agent: identity, package cache, venvs) and /tmp
# (upload spools, job scratch), which the Helm chart mounts as volumes. tests/Baton.EndToEnd.Tests/ContainerLayoutTests
# reads this file and runs the published output with the same user, entrypoint, arguments and environment.

ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY . .
ARG TARGETARCH
# One runtime identifier keeps only that platform's native libraries (the RID-less publish carries every platform's).
RUN case "$TARGETARCH" in arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac \
 && dotnet publish src/Baton.Cli/Baton.Cli.csproj -p:PublishProfile=container -r "$rid" --self-contained false -o /out/baton

# ---- server: REST API, agent protocol and the background roles ----
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS server
RUN groupadd --system --gid 10001 baton && useradd --system --uid 10001 --gid baton --home-dir /var/lib/baton --no-create-home baton \
 && mkdir -p /var/lib/baton && chown 10001:10001 /var/lib/baton
COPY --from=build --chown=root:root /out/baton /app
ENV DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_EnableDiagnostics=0 \
    HOME=/var/lib/baton \
    TMPDIR=/tmp
USER 10001:10001
WORKDIR /var/lib/baton
VOLUME ["/var/lib/baton"]
EXPOSE 8080
# No curl in the runtime image: bash's /dev/tcp asks /healthz (liveness; Kubernetes probes /healthz and /readyz itself).
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "/app/baton.dll", "server"]
CMD ["--host", "0.0.0.0", "--port", "8080", "--data", "/var/lib/baton"]

# ---- agent: pulls jobs over outbound HTTP(S) and runs them with Python in per-package virtual environments ----
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS agent
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv python3-pip \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 baton && useradd --system --uid 10001 --gid baton --home-dir /var/lib/baton --no-create-home baton \
 && mkdir -p /var/lib/baton && chown 10001:10001 /var/lib/baton
COPY --from=build --chown=root:root /out/baton /app
ENV DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_EnableDiagnostics=0 \
    HOME=/var/lib/baton \
    TMPDIR=/tmp \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
WORKDIR /var/lib/baton
VOLUME ["/var/lib/baton"]
# BATON_ENROLLMENT_TOKEN (from a Secret) enrols the agent on first start; --server lists every replica's URL.
ENTRYPOINT ["dotnet", "/app/baton.dll", "agent"]
CMD ["--server", "http://baton:8080", "--data", "/var/lib/baton", "--drain-on-sigterm"]
