# syntax=docker/dockerfile:1
#
# vialwise. Node 22 runs the TypeScript sources directly (type stripping), so there is no build
# step: one stage installs the production dependencies, the other runs them as a non-root user.
#
# Base image: pinned to a Node release (>= 22.18, see .nvmrc and package.json engines) on Debian
# bookworm. For reproducible builds also pin its digest once it can be looked up, e.g.
#   docker buildx imagetools inspect node:22.23.3-bookworm-slim
# and write FROM node:22.23.3-bookworm-slim@sha256:<digest> in both stages.

FROM node:22.23.3-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency has an install script; --ignore-scripts keeps it that way.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:22.23.3-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only for the service user: the running process cannot change its code
# or reference data. The embedded FHIR server keeps its data in memory.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY catalog ./catalog
COPY demo ./demo
COPY fhir-profiles/fsh-generated ./fhir-profiles/fsh-generated
# Written now, since the service user cannot write node_modules/.cache/vialwise: the reduced copy
# of the FHIR R4 definitions the embedded server indexes at start (src/fhir-server/definitions.ts)
# and the hashes of the catalog files, validated once here (src/catalog/validated.ts).
RUN node --input-type=module -e "await (await import('./src/fhir-server/definitions.ts')).r4StructureDefinitions(); (await import('./src/catalog/load.ts')).loadCatalog()"
# The official image's unprivileged user (uid 1000).
USER node
# The service listens on all of the container's interfaces, so that `-p 8080:8080` reaches it.
# The embedded FHIR server of the demo has no authentication and stays on the container's
# loopback: opt in with `-e EMBEDDED_FHIR_HOST=0.0.0.0 -p 127.0.0.1:8103:8103` to browse it from
# the host (the service logs a warning; docs/security.md).
ENV HOST=0.0.0.0
EXPOSE 8080
# No curl in slim images: Node's fetch. PORT is the service port when it is overridden.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node as PID 1 receives SIGTERM from `docker stop` and shuts down gracefully (src/main.ts).
CMD ["node", "src/main.ts"]
