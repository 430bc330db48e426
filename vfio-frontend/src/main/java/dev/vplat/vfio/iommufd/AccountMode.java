package dev.vplat.vfio.iommufd;

/**
 * How pinned pages are charged against RLIMIT_MEMLOCK (pages.c iopt_pages account_mode). A
 * session is both the user and the mm here, so USER and MM charge the same per-process counter;
 * NONE is what a process with CAP_IPC_LOCK gets: pins are not charged at all.
 */
public enum AccountMode {
    NONE, USER, MM
}
