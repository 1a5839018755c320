// Railway infrastructure-as-code for a new project: PostgreSQL, backend and frontend, with the
// settings of deploy/services.toml (tests/delivery/test_iac.py renders this file offline with the
// SDK and compares it with that file). `railway config plan` / `railway config apply` read it;
// docs/deploy.md, "New Railway project", has the steps.
//
// The services have no source: CI ships the tested commit with `railway up`, so a push never
// deploys untested code through a GitHub autodeploy. Builds use Railpack (Railway's default
// builder) with each service's own Railpack file; NIXPACKS_CONFIG_FILE keeps a switch back to
// Nixpacks on the service's own nixpacks.toml.
import { defineRailway, postgres, preserve, project, service } from "railway/iac";

const MEMORY_BYTES = 512 * 1024 * 1024;
const limits = { containers: { cpu: 0.5, memoryBytes: MEMORY_BYTES } };

export default defineRailway(() => {
  const db = postgres("Postgres");

  const backend = service("backend", {
    build: {
      builder: "RAILPACK",
      watchPatterns: [
        "/backend/**",
        "/pyproject.toml",
        "/uv.lock",
        "/.python-version",
        "/nixpacks.toml",
        "/railway.toml",
      ],
    },
    start: 'exec python -m backend serve --host "${API_HOST:-0.0.0.0}"',
    preDeploy: ["python -m backend migrate && python -m backend load-demo"],
    healthcheck: "/api/health",
    healthcheckTimeout: 60,
    deploy: {
      restartPolicyType: "ON_FAILURE",
      restartPolicyMaxRetries: 5,
      overlapSeconds: 15,
      drainingSeconds: 25,
      limitOverride: limits,
    },
    env: {
      PORT: "8000",
      APP_ENV: "production",
      LOG_LEVEL: "INFO",
      DATABASE_URL: db.env.DATABASE_URL,
      CORS_ORIGINS: "https://${{frontend.RAILWAY_PUBLIC_DOMAIN}}",
      FORWARDED_ALLOW_IPS: "fd00::/8,10.0.0.0/8,100.64.0.0/10",
      SHUTDOWN_GRACE_SECONDS: "20",
      CONNECTIONS_ALLOW_PRIVATE_HOSTS: "false",
      RAILWAY_HEALTHCHECK_TIMEOUT_SEC: "60",
      RAILWAY_DEPLOYMENT_OVERLAP_SECONDS: "15",
      RAILWAY_DEPLOYMENT_DRAINING_SECONDS: "25",
      NIXPACKS_CONFIG_FILE: "nixpacks.toml",
      RAILPACK_CONFIG_FILE: "backend/railpack.json",
      // Set by hand (`railway variables --set ... --skip-deploys`); never in a file.
      ENCRYPTION_KEY: preserve(),
      OPENAI_API_KEY: preserve(),
      SUPABASE_URL: preserve(),
      SUPABASE_ANON_KEY: preserve(),
    },
  });

  const frontend = service("frontend", {
    build: {
      builder: "RAILPACK",
      watchPatterns: ["/frontend/**", "/pyproject.toml", "/uv.lock", "/.python-version"],
    },
    start: "exec python -m frontend",
    healthcheck: "/",
    healthcheckTimeout: 60,
    deploy: {
      restartPolicyType: "ON_FAILURE",
      restartPolicyMaxRetries: 5,
      overlapSeconds: 15,
      drainingSeconds: 15,
      limitOverride: limits,
    },
    env: {
      PORT: "7860",
      LOG_LEVEL: "INFO",
      BACKEND_URL: "http://${{backend.RAILWAY_PRIVATE_DOMAIN}}:${{backend.PORT}}",
      TRUSTED_PROXY_HOPS: "1",
      GRADIO_SERVER_NAME: "0.0.0.0",
      RAILWAY_HEALTHCHECK_TIMEOUT_SEC: "60",
      RAILWAY_DEPLOYMENT_OVERLAP_SECONDS: "15",
      RAILWAY_DEPLOYMENT_DRAINING_SECONDS: "15",
      NIXPACKS_CONFIG_FILE: "frontend/nixpacks.toml",
      RAILPACK_CONFIG_FILE: "frontend/railpack.json",
      SESSION_SECRET: preserve(),
    },
  });

  return project("executive-analytics-assistant", { resources: [db, backend, frontend] });
});
