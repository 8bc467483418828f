-- Rows of a version-1 database, for both stores (columns in table order, the same on both).
-- Tokens: alice (admin) "v1-alice-token", bob "v1-bob-token" (the stored value is the SHA-256).
INSERT INTO users VALUES ('alice', 'admin', '265eb02f3e5e913ca991b26a7c571c3a3337100cfbff349ab97e81087dca3c77', 1764000000000);
INSERT INTO users VALUES ('bob', 'user', 'dfe08afcce7a9fd10836051ef8c8ce5d125cc85e9c1d16dab14020cac1dddea1', 1764000000000);
INSERT INTO users VALUES ('carol', 'user', NULL, 1764000000000);

INSERT INTO tasks VALUES ('v1-task-a', 'alice', 'Ship v1', '', 1796144400000, 30, 'BLOCKED', 2, 2, 1764000001000, 1764000002000, 'alice');
INSERT INTO tasks VALUES ('v1-task-b', 'alice', 'Write the docs', 'of v2', 1796144400000, 0, 'NOT_STARTED', 1, 3, 1764000003000, 1764000003000, 'alice');
INSERT INTO tasks VALUES ('v1-task-c', 'bob', 'Review', '', 1796144400000, 0, 'BLOCKED', 1, 4, 1764000004000, 1764000004000, 'bob');

INSERT INTO changes VALUES (1, 'created', 'v1-task-a', 1, '{"taskId":"v1-task-a","userId":"alice","taskTitle":"Ship v1","taskDescription":"","dueDate":"2026-12-01T17:00:00.000Z","warningOffset":30,"taskStatus":"NOT_STARTED","version":1,"eTag":"\"v1-task-a-1\"","createdAt":"2025-11-24T16:00:01.000Z","updatedAt":"2025-11-24T16:00:01.000Z","updatedBy":"alice","lock":null}', 'alice', 1764000001000);
INSERT INTO changes VALUES (2, 'updated', 'v1-task-a', 2, '{"taskId":"v1-task-a","userId":"alice","taskTitle":"Ship v1","taskDescription":"","dueDate":"2026-12-01T17:00:00.000Z","warningOffset":30,"taskStatus":"BLOCKED","version":2,"eTag":"\"v1-task-a-2\"","createdAt":"2025-11-24T16:00:01.000Z","updatedAt":"2025-11-24T16:00:02.000Z","updatedBy":"alice","lock":null}', 'alice', 1764000002000);
INSERT INTO changes VALUES (3, 'created', 'v1-task-b', 1, '{"taskId":"v1-task-b","userId":"alice","taskTitle":"Write the docs","taskDescription":"of v2","dueDate":"2026-12-01T17:00:00.000Z","warningOffset":0,"taskStatus":"NOT_STARTED","version":1,"eTag":"\"v1-task-b-1\"","createdAt":"2025-11-24T16:00:03.000Z","updatedAt":"2025-11-24T16:00:03.000Z","updatedBy":"alice","lock":null}', 'alice', 1764000003000);
INSERT INTO changes VALUES (4, 'created', 'v1-task-c', 1, '{"taskId":"v1-task-c","userId":"bob","taskTitle":"Review","taskDescription":"","dueDate":"2026-12-01T17:00:00.000Z","warningOffset":0,"taskStatus":"BLOCKED","version":1,"eTag":"\"v1-task-c-1\"","createdAt":"2025-11-24T16:00:04.000Z","updatedAt":"2025-11-24T16:00:04.000Z","updatedBy":"bob","lock":null}', 'bob', 1764000004000);
UPDATE meta SET value = 4 WHERE key = 'revision';

INSERT INTO products VALUES ('v1-product', 'Widget', 7, 2.5, 1, 0, 1764000000000, 1764000000000);
