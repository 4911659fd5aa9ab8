# The TrendDrop image: one image, every role (`trenddrop ingest|processors|api|start`).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# Not `npm ci`: chdb lists native packages for other platforms that the lock cannot record (.ci/run).
RUN npm install --no-audit --no-fund
COPY . .
# The dashboard and the compiled CLI, so that a container's first start builds neither.
RUN npm run build && node bin/cli-build.mjs
ENV HOST=0.0.0.0 PORT=3000 TRENDDROP_DATA_DIR=/data
EXPOSE 3000
ENTRYPOINT ["sh", "bin/trenddrop.sh"]
CMD ["start"]
