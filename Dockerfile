# The Gavel server. Build context: the repository root.
FROM node:20-bookworm-slim
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY packages/model/package.json packages/model/
COPY packages/protocol/package.json packages/protocol/
COPY server/package.json server/
COPY client/package.json client/
RUN npm ci --omit=dev --no-audit --no-fund
COPY packages packages
COPY server server
COPY client client
ENV HOST=0.0.0.0 PORT=1234 DATA_DIR=/data NODE_ENV=production
RUN mkdir -p /data && chown node:node /data
VOLUME /data
EXPOSE 1234
USER node
CMD ["npm", "start"]
