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
# The official image's unprivileged user (uid 1000).
USER node
# The service, and the embedded FHIR server of the demo (unused when FHIR_BASE_URL is set),
# listening on all interfaces so that `-p 8103:8103` shows the demo's Claims from the host.
ENV EMBEDDED_FHIR_HOST=0.0.0.0
EXPOSE 8080 8103
# No curl in slim images: Node's fetch. PORT is the service port when it is overridden.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node as PID 1 receives SIGTERM from `docker stop` and shuts down gracefully (src/main.ts).
CMD ["node", "src/main.ts"]
