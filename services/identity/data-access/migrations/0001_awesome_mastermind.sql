CREATE TABLE "revoked_subjects" (
	"sub" text PRIMARY KEY NOT NULL,
	"revoked_at" timestamp (3) with time zone NOT NULL
);
