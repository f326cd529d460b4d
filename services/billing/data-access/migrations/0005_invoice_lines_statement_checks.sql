-- Invoice lines keep to their invoices without a foreign key. The key's check ran once per line, a lookup and a row
-- lock each, about a third of PostgreSQL's work for a 100-line invoice; these triggers hold the same rule with one
-- check per statement. Old tasks write lines with the same statement and are checked the same way.
-- No line without its invoice, whether inserted or moved (one check of the statement's distinct invoice ids):
CREATE FUNCTION "invoice_lines_have_invoices"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT invoice_id FROM written) AS line
             WHERE NOT EXISTS (SELECT 1 FROM public.invoices AS invoice WHERE invoice.id = line.invoice_id)) THEN
    RAISE EXCEPTION 'an invoice line names no invoice'
      USING ERRCODE = 'foreign_key_violation', TABLE = 'invoice_lines', CONSTRAINT = 'invoice_lines_invoice_exists';
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "invoice_lines_have_invoices_on_insert" AFTER INSERT ON "invoice_lines"
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION "invoice_lines_have_invoices"();--> statement-breakpoint
CREATE TRIGGER "invoice_lines_have_invoices_on_update" AFTER UPDATE ON "invoice_lines"
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION "invoice_lines_have_invoices"();--> statement-breakpoint
-- No invoice deleted or emptied from under its lines (TRUNCATE invoice_lines first), and no invoice renumbered:
CREATE FUNCTION "invoices_keep_their_lines"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'an invoice''s id never changes: its lines name it'
      USING ERRCODE = 'foreign_key_violation', TABLE = 'invoices', CONSTRAINT = 'invoice_lines_invoice_exists';
  END IF;
  IF TG_OP = 'TRUNCATE' THEN
    IF EXISTS (SELECT 1 FROM public.invoice_lines) THEN
      RAISE EXCEPTION 'invoices still have lines: truncate invoice_lines first'
        USING ERRCODE = 'foreign_key_violation', TABLE = 'invoices', CONSTRAINT = 'invoice_lines_invoice_exists';
    END IF;
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM removed WHERE EXISTS (SELECT 1 FROM public.invoice_lines AS line WHERE line.invoice_id = removed.id)) THEN
    RAISE EXCEPTION 'an invoice with lines cannot be deleted'
      USING ERRCODE = 'foreign_key_violation', TABLE = 'invoices', CONSTRAINT = 'invoice_lines_invoice_exists';
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "invoices_keep_their_lines_on_delete" AFTER DELETE ON "invoices"
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION "invoices_keep_their_lines"();--> statement-breakpoint
CREATE TRIGGER "invoices_keep_their_lines_on_truncate" BEFORE TRUNCATE ON "invoices"
  FOR EACH STATEMENT EXECUTE FUNCTION "invoices_keep_their_lines"();--> statement-breakpoint
CREATE TRIGGER "invoices_keep_their_id" BEFORE UPDATE OF "id" ON "invoices"
  FOR EACH ROW WHEN (OLD."id" IS DISTINCT FROM NEW."id") EXECUTE FUNCTION "invoices_keep_their_lines"();--> statement-breakpoint
ALTER TABLE "invoice_lines" DROP CONSTRAINT "invoice_lines_invoice_id_invoices_id_fk";
