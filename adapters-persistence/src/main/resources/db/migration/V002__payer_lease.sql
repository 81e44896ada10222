-- The payer lease: of the instances sharing this database, only the holder signs and sends.
-- token is the fencing token: it grows whenever the lease changes hands, and every write that
-- stores signed bytes checks it in the same transaction. One row, always present; holder NULL = free.
CREATE TABLE payer_lease (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    holder     TEXT,
    session    TEXT,
    token      INTEGER NOT NULL,
    expires_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

INSERT INTO payer_lease (id, holder, session, token, expires_at, updated_at)
VALUES (1, NULL, NULL, 0, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now'));
