-- AlterTable
ALTER TABLE "ExpertPick" ADD COLUMN "handoverUntil" DATETIME;

