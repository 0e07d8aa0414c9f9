// Probe (tests/boundaries): a signer header that did not exist at the last configure (so no
// #error stub names it): the station's include root has no signer folder to find it in.
#include "signer/promote/added_after_configure.h"
