# orchsim in a container: `docker run orchsim:0.1.0 run`, or sweeps as a Kubernetes Indexed Job
# (deploy/kubernetes/sweep-job.yaml). Build: docker build -t orchsim:0.1.0 .

# Build stage: the TypeScript compiler is a dev dependency.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
# The build bundles with scripts/ and trains its code caches on `orchsim validate
# scenarios/default.yaml` (scripts/build.mjs).
COPY scripts ./scripts
COPY scenarios ./scenarios
COPY src ./src
RUN npm run build

# Runtime: production dependencies, the compiled code and the example scenarios.
FROM node:20-bookworm-slim
# DejaVu Sans: the font the PNG charts are drawn with (src/report/charts.ts).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/orchsim
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY scenarios ./scenarios
COPY sweeps ./sweeps
USER node
ENTRYPOINT ["node", "/opt/orchsim/dist/cli/main.js"]
CMD ["--help"]
