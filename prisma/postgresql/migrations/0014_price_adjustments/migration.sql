-- AlterTable
ALTER TABLE "EvalSession" ADD COLUMN     "adjustments" TEXT,
ADD COLUMN     "tieSealed" TEXT,
ADD COLUMN     "tieSeed" TEXT,
ADD COLUMN     "tieSeedHash" TEXT;

