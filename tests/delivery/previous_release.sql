-- Queries of the release at migration 0001, frozen by
-- `python -m scripts.freeze_release_queries`. Do not edit by hand.
INSERT INTO login_throttles (key, failures, first_failure_at, locked_until) VALUES ('00000000-0000-4000-8000-000000000000', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
SELECT key, failures, first_failure_at, locked_until FROM login_throttles;
INSERT INTO rate_limit_windows (key, window_start, hits) VALUES ('00000000-0000-4000-8000-000000000001', 1, 1);
SELECT key, window_start, hits FROM rate_limit_windows;
INSERT INTO usage_counters (subject, period, used) VALUES ('00000000-0000-4000-8000-000000000002', '00000000-0000-40', 1);
SELECT subject, period, used FROM usage_counters;
INSERT INTO users (id, email, password_hash, provider, external_id, plan, created_at) VALUES ('00000000-0000-4000-8000-000000000003', 'email', 'password_hash', 'provider', 'external_id', 'plan', CURRENT_TIMESTAMP);
SELECT id, email, password_hash, provider, external_id, plan, created_at FROM users;
INSERT INTO auth_sessions (id, user_id, refresh_hash, created_at, expires_at, revoked_at) VALUES ('00000000-0000-4000-8000-000000000004', '00000000-0000-4000-8000-000000000003', 'refresh_hash', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
SELECT id, user_id, refresh_hash, created_at, expires_at, revoked_at FROM auth_sessions;
INSERT INTO connections (id, user_id, name, dialect, ssl_mode, display_url, secret, schema_cache, scanned_at, created_at) VALUES ('00000000-0000-4000-8000-000000000005', '00000000-0000-4000-8000-000000000003', 'name', 'dialect', 'ssl_mode', 'display_url', decode('00', 'hex'), '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
SELECT id, user_id, name, dialect, ssl_mode, display_url, secret, schema_cache, scanned_at, created_at FROM connections;
INSERT INTO connection_tables (connection_id, table_name, enabled) VALUES ('00000000-0000-4000-8000-000000000005', 'table_name', true);
SELECT id, connection_id, table_name, enabled FROM connection_tables;
INSERT INTO conversations (id, user_id, anon_id, connection_id, created_at) VALUES ('00000000-0000-4000-8000-000000000007', '00000000-0000-4000-8000-000000000003', 'anon_id', '00000000-0000-4000-8000-000000000005', CURRENT_TIMESTAMP);
SELECT id, user_id, anon_id, connection_id, created_at FROM conversations;
INSERT INTO query_history (id, user_id, anon_id, conversation_id, connection_id, question, sql, status, error, row_count, truncated, chart, summary, timings, tokens, engine, feedback, created_at) VALUES ('00000000-0000-4000-8000-000000000008', '00000000-0000-4000-8000-000000000003', 'anon_id', '00000000-0000-4000-8000-000000000007', '00000000-0000-4000-8000-000000000005', 'question', 'sql', 'status', 'error', 1, true, '{}', '{}', '{}', '{}', 'engine', 1, CURRENT_TIMESTAMP);
SELECT id, user_id, anon_id, conversation_id, connection_id, question, sql, status, error, row_count, truncated, chart, summary, timings, tokens, engine, feedback, created_at FROM query_history;
