# syntax=docker/dockerfile:1
# One image for all four services; APP picks the one a container runs:
#   docker build -t surge:0.1.0 .            (tag = package.json version)
#   docker run -e APP=read-sink surge:0.1.0
# Node 24 here, as in package.json's engines and the `node` dev dependency.
# Only the paths the build needs are copied, so node_modules or .stack/ on the
# build machine never leak into the image.
ARG NODE_IMAGE=node:24-slim

# ---------------------------------------------------------------- build
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true
COPY package.json package-lock.json ./
# Full install: the build needs SWC (a dev dependency).
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json .swcrc ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

# ---------------------------------------------------------------- production dependencies
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV CI=true
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error && npm cache clean --force

# ---------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1 forwards SIGTERM to node and reaps zombies; the apps drain on
# SIGTERM (enableShutdownHooks), which Kubernetes sends before killing a pod.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ARG APP=read-api
ENV NODE_ENV=production \
    APP=${APP} \
    HOST=0.0.0.0
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The `node` user (uid 1000) of the official image; k8s/ runs as uid 1000 too.
USER node
EXPOSE 3000 3001 3002 3003
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# exec: node replaces the shell, so signals from tini reach it directly.
CMD ["sh", "-c", "exec node dist/apps/${APP}/src/main.js"]
