# syntax=docker/dockerfile:1
# One image for every service: the command picks the service (`features`, `model`, `metric`, `plot`,
# `dashboard`, or none for all four in one process). See docker-compose.yml.
# Node 24, the current LTS line, pinned to a minor: a rebuild picks up patch releases (security fixes), never a
# new minor or major. The package itself runs on Node >= 20.19 (package.json engines).
ARG NODE_VERSION=24.11

# ---- build: dev dependencies and the TypeScript compiler -------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: npm's `prepare` (the build) would run now, before the sources are here. The only install
# script in the tree is esbuild's (for tsx), which the build does not use.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies, the compiled CLI, data, model and fonts ---------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="rx-ml-pipeline" \
      org.opencontainers.image.description="features -> model -> metric -> plot over RabbitMQ or NATS"
# Fonts for the PNG's labels. The renderer is handed the DejaVu files of assets/fonts (copied below) and loads no
# system font; the system package keeps the image complete should that ever change.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run the build, and this stage has no TypeScript compiler.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY data ./data
COPY models ./models
COPY assets ./assets
# `pipeline` on the PATH for `docker compose exec <service> pipeline …`. logs/ is where compose mounts ./logs;
# unmounted (features keeps its progress there), it is writable like /tmp by whichever user compose runs as.
RUN chmod +x dist/src/cli.js \
    && ln -s /app/dist/src/cli.js /usr/local/bin/pipeline \
    && mkdir -p logs \
    && chmod 1777 logs
# The node image's unprivileged user (uid 1000): the files of the app stay root's and read-only to it.
USER node
# Exec form: node is the process that receives SIGTERM, and the CLI drains in-flight records on it.
ENTRYPOINT ["node", "/app/dist/src/cli.js"]
CMD ["--help"]
