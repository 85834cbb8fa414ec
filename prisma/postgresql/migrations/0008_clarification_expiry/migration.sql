-- AlterTable
ALTER TABLE "EvalClarification" ADD COLUMN     "expiredAt" TIMESTAMP(3);

