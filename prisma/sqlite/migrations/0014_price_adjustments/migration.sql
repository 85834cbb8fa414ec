-- AlterTable
ALTER TABLE "EvalSession" ADD COLUMN "adjustments" TEXT;
ALTER TABLE "EvalSession" ADD COLUMN "tieSealed" TEXT;
ALTER TABLE "EvalSession" ADD COLUMN "tieSeed" TEXT;
ALTER TABLE "EvalSession" ADD COLUMN "tieSeedHash" TEXT;

