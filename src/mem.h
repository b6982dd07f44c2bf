/*
** mem: large arrays on transparent huge pages.
**
** The per-sample loops draw rows at random from arrays of hundreds of MB to
** GB (embeddings, HNSW vectors and neighbour lists, the CSR). With 4 KiB
** pages every such draw is also a TLB miss whose page walk itself misses
** the caches once the page tables outgrow them; 2 MiB pages cut the entries
** 512-fold. This kernel's THP mode is often `madvise`: a malloc'd array
** gets huge pages only when madvise(MADV_HUGEPAGE) marks it before it is
** touched. mem_advise_huge marks the whole 2 MiB pages inside a block
** (arrays stay malloc'd and free'd as usual, so the fault-injection harness
** still sees them); where the system has no THP it does nothing.
*/
#ifndef RECSQL_MEM_H
#define RECSQL_MEM_H

#include <stddef.h>

/* Blocks smaller than this are left alone (8 MiB). */
#define MEM_HUGE_MIN ((size_t)8 << 20)

/* Asks for huge pages for the whole 2 MiB pages of [p, p + bytes) when
** bytes >= MEM_HUGE_MIN. Returns the bytes marked (0: none). Changes no
** contents; a refusal of the kernel is ignored. */
size_t mem_advise_huge(void *p, size_t bytes);

/* malloc(bytes), then mem_advise_huge on it. */
void *mem_alloc_huge(size_t bytes);

#endif
