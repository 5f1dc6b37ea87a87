# syntax=docker/dockerfile:1
# The spe image for people with Docker: `spe run` (the operator) with
# spe-helm-worker, the Helm v4 SDK it drives. `npm run image` builds the same
# files without Docker, reproducibly, with an SBOM (scripts/image/README.md);
# test/e2e/image-recipes.test.ts compares the two file lists where a Docker
# engine runs.
#
#   docker build --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg VERSION=$(node -p 'require("./package.json").version') -t ghcr.io/spe-dev/spe:0.1.0 .
#   docker run --rm ghcr.io/spe-dev/spe:0.1.0 version
#
# Layout (the same as scripts/image/layers.ts): Debian's files for node
# (scripts/image/rootfs.sh: libc, libstdc++, CA certificates, time zones; no
# shell), node from the `node` npm package at /usr/local/bin/node,
# spe-helm-worker at /usr/local/bin, production npm packages in
# /app/node_modules, spe in /app, the launcher /usr/local/bin/spe. Non-root
# user 65532; helm's cache and temp files go to /tmp, which the chart mounts as
# an emptyDir (the root filesystem is read-only). Installed by charts/spe.

ARG DEBIAN=trixie

FROM debian:${DEBIAN} AS debian
ARG DEBIAN
RUN apt-get update \
 && apt-get install -y --no-install-recommends mmdebstrap ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/image/rootfs.sh /rootfs.sh
RUN SPE_IMAGE_DEBIAN_SUITE=${DEBIAN} sh /rootfs.sh /out

FROM node:24-${DEBIAN}-slim AS build
ARG REVISION=unknown
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
COPY schemas/ schemas/
COPY providers/ providers/
COPY test/fixtures/charts/demo-service/ test/fixtures/charts/demo-service/
COPY scripts/image/spe scripts/image/spe
RUN npx tsc -p tsconfig.build.json --outDir /out/app/app/dist \
 && cp package.json /out/app/app/ \
 && cp -r schemas providers /out/app/app/ \
 && mkdir -p /out/app/app/test/fixtures/charts /out/app/usr/local/bin /out/node/usr/local/bin \
 && cp -r test/fixtures/charts/demo-service /out/app/app/test/fixtures/charts/ \
 && install -m 0755 scripts/image/spe /out/app/usr/local/bin/spe \
 && install -m 0755 node_modules/node/bin/node /out/node/usr/local/bin/node \
 && REVISION=${REVISION} node -e 'const {version} = require("./package.json"); \
      process.stdout.write(JSON.stringify({version, revision: process.env.REVISION, source: "https://github.com/spe-dev/spe"}, null, 2) + "\n")' \
      > /out/app/app/build-info.json

FROM node:24-${DEBIAN}-slim AS node-modules
WORKDIR /out/app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && rm package.json package-lock.json

FROM golang:1.26-${DEBIAN} AS helm-worker
WORKDIR /src
COPY src/plugins/helm/worker/ ./
ENV CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false"
RUN go build -trimpath -ldflags "-s -w" -o /out/usr/local/bin/spe-helm-worker . \
 && echo '{"id":1,"op":"version"}' | /out/usr/local/bin/spe-helm-worker

FROM scratch
ARG REVISION=unknown
ARG VERSION=unknown
COPY --from=debian /out/ /
COPY --from=build /out/node/ /
COPY --from=helm-worker /out/ /
COPY --from=node-modules /out/ /
COPY --from=build /out/app/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin \
    NODE_ENV=production \
    HOME=/tmp \
    TMPDIR=/tmp \
    HELM_CACHE_HOME=/tmp/helm/cache \
    HELM_CONFIG_HOME=/tmp/helm/config \
    HELM_DATA_HOME=/tmp/helm/data
LABEL org.opencontainers.image.title=spe \
      org.opencontainers.image.version=${VERSION} \
      org.opencontainers.image.revision=${REVISION} \
      org.opencontainers.image.source=https://github.com/spe-dev/spe \
      org.opencontainers.image.licenses=Apache-2.0
USER 65532:65532
WORKDIR /app
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/spe"]
CMD ["run"]
