-- AlterTable
ALTER TABLE "Device" ADD COLUMN "viewOverride" TEXT;

