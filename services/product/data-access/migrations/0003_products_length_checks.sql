-- NOT VALID: the rows already there (written through the API, which held these lengths) are not scanned, which would
-- hold an exclusive lock on products for the whole scan; every row written from now on is checked.
ALTER TABLE "products" ADD CONSTRAINT "products_sku_length_check" CHECK (char_length("products"."sku") BETWEEN 1 AND 64) NOT VALID;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_name_length_check" CHECK (char_length("products"."name") <= 200) NOT VALID;
