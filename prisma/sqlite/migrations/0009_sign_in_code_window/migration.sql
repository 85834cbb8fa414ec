-- AlterTable (hand-written: SQLite adds a NOT NULL column with a constant default in place; Prisma's
-- generated form rebuilt the whole ExpertPick table for it)
ALTER TABLE "ExpertPick" ADD COLUMN "otpSends" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "ExpertPick" ADD COLUMN "otpWindowAt" DATETIME;
