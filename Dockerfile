# Build stage: compile TypeScript with the project's pinned toolchain.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The client link is a workspace of this repository: npm resolves it, the server never loads it.
COPY packages/apollo-link/package.json ./packages/apollo-link/
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
# The server only: the explorer and the client link are for development and clients (EXPLORER is off in production).
RUN npm run build:server && npm prune --omit=dev

# Runtime stage: production dependencies and the build only, as an unprivileged user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 DATA_DIR=/var/lib/auth-gateway
WORKDIR /app
# DATA_DIR holds the generated key-encryption key when KEY_ENCRYPTION_KEY is not set: keep it on a
# volume of its own (not the database's), writable by the unprivileged user.
RUN mkdir -p /var/lib/auth-gateway && chown node:node /var/lib/auth-gateway
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:4000/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# V8's young generation otherwise grows to 128 MB under load, with no throughput to show for it.
CMD ["node", "--max-semi-space-size=16", "--max-old-space-size=128", "dist/src/main.js"]
