# syntax=docker/dockerfile:1
# The spe image: `spe run` (the operator) with the helm v4 binary it drives.
#
#   docker build -t ghcr.io/spe-dev/spe:0.1.0 .
#   docker run --rm ghcr.io/spe-dev/spe:0.1.0 version
#
# Stages: build (npm ci + tsc into dist/), helm (helm v4.3.1 built from its Go
# module with the same version ldflags as test/env/build.ts), runtime
# (production dependencies only, non-root user 65532, read-only root
# filesystem friendly: helm's cache and temp files go to /tmp, which the chart
# mounts as an emptyDir). Installed by charts/spe.

ARG NODE_IMAGE=node:24-bookworm-slim
ARG HELM_VERSION=v4.3.1

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
COPY schemas/ schemas/
RUN npm run build

FROM golang:1.26 AS helm
ARG HELM_VERSION
ENV CGO_ENABLED=0 GOBIN=/out
RUN go install -trimpath \
      -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=${HELM_VERSION} -X helm.sh/helm/v4/internal/version.gitTreeState=clean" \
      "helm.sh/helm/v4/cmd/helm@${HELM_VERSION}" \
 && /out/helm version

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
COPY --from=helm /out/helm /usr/local/bin/helm
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["run"]
