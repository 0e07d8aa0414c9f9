#include "signer/store/store_location.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace hallmark::evidence {

namespace {

// The end of a keyword/value conninfo value starting at `i` (quoted or bare, with escapes).
std::size_t value_end(std::string_view s, std::size_t i) {
  if (i < s.size() && s[i] == '\'') {
    for (++i; i < s.size(); ++i) {
      if (s[i] == '\\') {
        ++i;
      } else if (s[i] == '\'') {
        return i + 1;
      }
    }
    return s.size();
  }
  for (; i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n'; ++i) {
    if (s[i] == '\\') ++i;
  }
  return std::min(i, s.size());
}

std::string redact_uri(std::string_view uri) {
  std::string out(uri);
  const auto scheme_end = out.find("://");
  const auto authority = scheme_end + 3;
  const auto authority_end = std::min(out.find_first_of("/?", authority), out.size());
  const auto at = out.rfind('@', authority_end);
  if (at != std::string::npos && at >= authority) {
    const auto colon = out.find(':', authority);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // password=... in the query string
  for (auto q = out.find('?'); q != std::string::npos && q < out.size();) {
    const auto start = q + 1;
    const auto end = std::min(out.find('&', start), out.size());
    if (std::string_view(out).substr(start, end - start).starts_with("password=")) {
      const auto value = start + 9;
      out.replace(value, end - value, "***");
    }
    q = out.find('&', start);
  }
  return out;
}

}  // namespace

std::string redact_conninfo(std::string_view conninfo) {
  if (conninfo.find("://") != std::string_view::npos) return redact_uri(conninfo);
  std::string out;
  std::size_t i = 0;
  while (i < conninfo.size()) {
    const char c = conninfo[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      out.push_back(c);
      ++i;
      continue;
    }
    const auto key_end = std::min(conninfo.find_first_of("= \t\n", i), conninfo.size());
    const auto keyword = conninfo.substr(i, key_end - i);
    auto j = key_end;
    while (j < conninfo.size() && (conninfo[j] == ' ' || conninfo[j] == '\t')) ++j;
    if (j >= conninfo.size() || conninfo[j] != '=') {  // malformed: keep the word
      out.append(conninfo.substr(i, j - i));
      i = j;
      continue;
    }
    ++j;
    while (j < conninfo.size() && (conninfo[j] == ' ' || conninfo[j] == '\t')) ++j;
    const auto end = value_end(conninfo, j);
    out.append(conninfo.substr(i, j - i));
    out.append(keyword == "password" ? "***" : conninfo.substr(j, end - j));
    i = end;
  }
  return out;
}


Result<Target> parse_location(std::string_view location) {
  if (location.empty()) return fail(ErrorCode::kUsage, "evidence store: empty location");
  if (location.starts_with("sqlite:")) {
    auto path = location.substr(7);
    return Target{Target::kSqlite, std::string(path), fmt::format("sqlite:{}", path)};
  }
  if (location.starts_with("postgresql://") || location.starts_with("postgres://")) {
    return Target{Target::kPostgres, std::string(location), redact_conninfo(location)};
  }
  if (location.starts_with("postgres:")) {
    auto conninfo = location.substr(9);
    return Target{Target::kPostgres, std::string(conninfo),
                  fmt::format("postgres:{}", redact_conninfo(conninfo))};
  }
  // "word:..." with no '/' before the colon is a scheme; anything else is a file path.
  const auto colon = location.find(':');
  if (colon != std::string_view::npos && colon > 0 &&
      std::isalpha(static_cast<unsigned char>(location[0])) != 0) {
    const auto scheme = location.substr(0, colon);
    bool is_scheme = true;
    for (char c : scheme) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '-' && c != '.') {
        is_scheme = false;
      }
    }
    if (is_scheme) {
      return fail(ErrorCode::kUsage,
                  fmt::format("evidence store {}: unknown scheme \"{}:\" (use a file path, "
                              "sqlite:PATH, postgresql://... or postgres:CONNINFO)",
                              redact_conninfo(location), scheme));
    }
  }
  return Target{Target::kSqlite, std::string(location), fmt::format("sqlite:{}", location)};
}


}  // namespace hallmark::evidence
