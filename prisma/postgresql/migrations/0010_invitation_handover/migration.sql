-- AlterTable
ALTER TABLE "ExpertPick" ADD COLUMN     "handoverUntil" TIMESTAMP(3);

