"""On PostgreSQL, a till movement (earn or redeem) is one call of ``loyalty_till_post``.

The function does in the database, in one statement and so in one transaction, what
``till.post_in_python`` does on SQLite: it answers a replayed idempotency key, finds
the card in the till's district and locks its account, checks the card, the
programme, the capped campaigns' per-day sums the plan assumed, the balance and the
period, then writes the transaction with its stored answer, its entries and the card's
balance. Each refusal is an ``outcome`` with nothing written, its ``detail`` in JSON
text; see ``till.py`` for the meaning of each and for the order of the arguments. A change to the function is a new
migration that replaces it.
"""

from django.db import migrations

SIGNATURE = """loyalty_till_post(
    p_number text, p_district bigint, p_program bigint, p_kind text,
    p_card_points bigint, p_expires_on date,
    p_accounts bigint[], p_points bigint[], p_campaigns bigint[],
    p_capped bigint[], p_awarded bigint[], p_day_start timestamptz, p_day_end timestamptz,
    p_today date, p_business bigint, p_amount numeric, p_applied_rules jsonb,
    p_posted_at timestamptz, p_period text, p_terminal bigint, p_created_by integer,
    p_scope text, p_key text, p_fingerprint text, p_response jsonb,
    OUT outcome text, OUT movement_id bigint, OUT balance_after bigint, OUT detail text
)"""

CREATE = (
    "CREATE OR REPLACE FUNCTION "
    + SIGNATURE
    + """
LANGUAGE plpgsql AS $$
DECLARE
    v_stored record;
    v_card record;
    v_awarded bigint[];
BEGIN
    -- A replay answers what the first request was answered, whatever the card holds now.
    IF p_key <> '' THEN
        SELECT t.id, t.request_fingerprint, t.response INTO v_stored
          FROM loyalty_ledgertransaction t
         WHERE t.idempotency_scope = p_scope AND t.idempotency_key = p_key
           AND t.idempotency_key <> '';  -- lets a generic plan use the partial unique index
        IF FOUND THEN
            IF v_stored.request_fingerprint = p_fingerprint THEN
                outcome := 'replay'; movement_id := v_stored.id; detail := v_stored.response::text;
            ELSE
                outcome := 'idempotency_conflict';
            END IF;
            RETURN;
        END IF;
    END IF;

    SELECT c.id, c.program_id, c.status, p.district_id, p.active, p.starts_on, p.ends_on,
           a.id AS account_id, a.balance
      INTO v_card
      FROM loyalty_card c
      JOIN loyalty_program p ON p.id = c.program_id
      JOIN loyalty_account a ON a.card_id = c.id
     WHERE c.number = p_number
       FOR NO KEY UPDATE OF a;
    IF NOT FOUND OR v_card.district_id <> p_district THEN
        outcome := 'card_not_found';
        RETURN;
    END IF;
    IF p_program IS DISTINCT FROM v_card.program_id THEN
        outcome := 'other_program'; detail := to_jsonb(v_card.program_id)::text;
        RETURN;
    END IF;
    IF v_card.status <> 'active' THEN
        outcome := 'card_blocked'; detail := to_jsonb(v_card.status)::text;
        RETURN;
    END IF;
    IF NOT v_card.active OR p_today < v_card.starts_on OR p_today > v_card.ends_on THEN
        outcome := 'program_not_running';
        RETURN;
    END IF;

    IF cardinality(p_capped) > 0 THEN
        SELECT array_agg(coalesce(given.points, 0) ORDER BY capped.ord) INTO v_awarded
          FROM unnest(p_capped) WITH ORDINALITY AS capped(campaign_id, ord)
          LEFT JOIN LATERAL (
                SELECT (-sum(e.points))::bigint AS points
                  FROM loyalty_entry e
                  JOIN loyalty_ledgertransaction t ON t.id = e.transaction_id
                 WHERE e.campaign_id = capped.campaign_id AND t.card_id = v_card.id
                   AND t.posted_at >= p_day_start AND t.posted_at < p_day_end
          ) given ON true;
        IF v_awarded IS DISTINCT FROM p_awarded THEN
            outcome := 'recompute'; detail := to_jsonb(v_awarded)::text;
            RETURN;
        END IF;
    END IF;

    IF v_card.balance + p_card_points < 0 THEN
        outcome := 'insufficient_points'; balance_after := v_card.balance;
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM loyalty_settlementperiod s
                WHERE s.program_id = p_program AND s.period = p_period) THEN
        outcome := 'period_closed';
        RETURN;
    END IF;
    IF p_card_points + coalesce((SELECT sum(x) FROM unnest(p_points) x), 0) <> 0 THEN
        RAISE EXCEPTION 'ledger legs must sum to zero';
    END IF;

    balance_after := v_card.balance + p_card_points;
    INSERT INTO loyalty_ledgertransaction (
        program_id, kind, card_id, business_id, points, amount, applied_rules, reason,
        source, reference, posted_at, period, created_by_id, terminal_id,
        idempotency_scope, idempotency_key, request_fingerprint, response)
    VALUES (
        p_program, p_kind, v_card.id, p_business, p_card_points, p_amount, p_applied_rules,
        '', '', '', p_posted_at, p_period, p_created_by, p_terminal,
        p_scope, p_key, p_fingerprint,
        p_response || jsonb_build_object('balance', balance_after))
    RETURNING id INTO movement_id;
    INSERT INTO loyalty_entry (transaction_id, account_id, points, expires_on, campaign_id)
    SELECT movement_id, v_card.account_id, p_card_points, p_expires_on, NULL
     WHERE p_card_points <> 0
    UNION ALL
    SELECT movement_id, leg.account_id, leg.points, NULL, leg.campaign_id
      FROM unnest(p_accounts, p_points, p_campaigns) AS leg(account_id, points, campaign_id)
     WHERE leg.points <> 0;
    IF p_card_points <> 0 THEN
        UPDATE loyalty_account SET balance = balance_after WHERE id = v_card.account_id;
    END IF;
    outcome := 'ok';
END
$$"""
)

DROP = """DROP FUNCTION IF EXISTS loyalty_till_post(
    text, bigint, bigint, text, bigint, date, bigint[], bigint[], bigint[], bigint[],
    bigint[], timestamptz, timestamptz, date, bigint, numeric, jsonb, timestamptz, text,
    bigint, integer, text, text, text, jsonb)"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0002_system_balances_derived"),
    ]

    operations = [migrations.RunPython(create_function, drop_function)]
