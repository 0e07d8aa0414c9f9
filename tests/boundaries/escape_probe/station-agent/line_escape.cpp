// Probe (tests/boundaries): a station source that climbs out of its folder to a signer
// header. The include roots cannot see this (a quoted include is looked up beside the
// including file first); the escape scan must.
#include "../../signer/promote/promote.h"
