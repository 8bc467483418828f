// Server-made ids: ULIDs (26 characters of Crockford base32), URL-safe, time-ordered and unique
// across nodes (80 random bits per millisecond).
#pragma once

#include <string>
#include <string_view>

#include "core/time.h"

namespace lockstep {

// A new ULID for time `now`. Ids made by one process are strictly increasing. Thread-safe.
std::string make_ulid(Millis now);

// True when `id` may be chosen by a client (PUT-create): [A-Za-z0-9_-]{1,64}.
bool is_valid_client_id(std::string_view id);

}  // namespace lockstep
