# syntax=docker/dockerfile:1
# The spe image: `spe run` (the operator) with spe-helm-worker, the Helm v4 SDK it drives.
#
#   docker build -t ghcr.io/spe-dev/spe:0.1.0 .
#   docker run --rm ghcr.io/spe-dev/spe:0.1.0 version
#
# Stages: build (npm ci + tsc into dist/), helm-worker (src/plugins/helm/worker,
# built from its Go module, which pins the Helm SDK; see docs/adr/0004), runtime
# (production dependencies only, non-root user 65532, read-only root
# filesystem friendly: helm's cache and temp files go to /tmp, which the chart
# mounts as an emptyDir). Installed by charts/spe.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
COPY schemas/ schemas/
RUN npm run build

FROM golang:1.26 AS helm-worker
WORKDIR /src
COPY src/plugins/helm/worker/ ./
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly
RUN go build -trimpath -ldflags "-s -w" -o /out/spe-helm-worker . \
 && echo '{"id":1,"op":"version"}' | /out/spe-helm-worker

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOME=/tmp \
    TMPDIR=/tmp \
    HELM_CACHE_HOME=/tmp/helm/cache \
    HELM_CONFIG_HOME=/tmp/helm/config \
    HELM_DATA_HOME=/tmp/helm/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist/ dist/
COPY schemas/ schemas/
COPY providers/ providers/
COPY --from=helm-worker /out/spe-helm-worker /usr/local/bin/spe-helm-worker
USER 65532:65532
EXPOSE 8080
# The same V8 flag as bin/spe.js (why: there).
ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/cli/main.js"]
CMD ["run"]
