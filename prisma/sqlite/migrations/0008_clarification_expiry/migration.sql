-- AlterTable
ALTER TABLE "EvalClarification" ADD COLUMN "expiredAt" DATETIME;

