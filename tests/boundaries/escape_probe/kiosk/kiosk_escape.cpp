// Probe (tests/boundaries): a source in a top-level folder that no rule names yet (a new
// front end, say), climbing out of it to a signer header. The escape scan finds it without
// the folder being listed anywhere (cmake/product_folders.cmake discovers the folders).
#include "../signer/promote/promote.h"
