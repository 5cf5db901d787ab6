#include "explore/schedule.hpp"

namespace wb {

const char* choice_kind_name(ChoiceKind k) {
  switch (k) {
    case ChoiceKind::EventOrder: return "event order";
    case ChoiceKind::DropOrder: return "drop order";
    case ChoiceKind::Thread: return "thread";
    case ChoiceKind::Close: return "close";
    case ChoiceKind::Kill: return "kill";
    case ChoiceKind::SelectStart: return "select start";
    case ChoiceKind::CondvarNotify: return "condvar notify";
    case ChoiceKind::Spurious: return "spurious wake";
  }
  return "?";
}

static constexpr std::string_view kPrefix = "v1.";

std::string encode_schedule(const std::vector<Choice>& choices) {
  std::vector<uint32_t> ks;
  ks.reserve(choices.size());
  for (const Choice& c : choices) ks.push_back(c.k);
  return encode_indices(ks);
}

std::string encode_indices(const std::vector<uint32_t>& ks) {
  size_t n = ks.size();
  while (n > 0 && ks[n - 1] == 0) --n;  // trailing zeros: the natural order
  std::string s(kPrefix);
  for (size_t i = 0; i < n; ++i) {
    uint32_t k = ks[i];
    if (k < 10) s += static_cast<char>('0' + k);
    else if (k < 36) s += static_cast<char>('a' + (k - 10));
    else {
      s += '(';
      s += std::to_string(k);
      s += ')';
    }
  }
  return s;
}

namespace {
// A schedule string as an error message may show it: printable ASCII, the
// rest as \xNN, at most 40 characters (a message stays one line).
std::string quoted(std::string_view text) {
  static const char* hex = "0123456789abcdef";
  std::string s = "'";
  for (size_t i = 0; i < text.size() && i < 40; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      s += static_cast<char>(c);
    } else {
      s += "\\x";
      s += hex[c >> 4];
      s += hex[c & 15];
    }
  }
  return s + (text.size() > 40 ? "...'" : "'");
}
}  // namespace

std::vector<uint32_t> decode_schedule(std::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix)
    throw ScheduleError("malformed schedule " + quoted(text) +
                        ": it must start with 'v1.' (e.g. 'v1.0102')");
  std::vector<uint32_t> ks;
  for (size_t i = kPrefix.size(); i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      ks.push_back(static_cast<uint32_t>(c - '0'));
    } else if (c >= 'a' && c <= 'z') {
      ks.push_back(static_cast<uint32_t>(c - 'a' + 10));
    } else if (c == '(') {
      size_t close = text.find(')', i);
      if (close == std::string_view::npos || close == i + 1 || close - i > 11)
        throw ScheduleError("malformed schedule: bad '(' group at character " + std::to_string(i));
      uint64_t v = 0;
      for (size_t j = i + 1; j < close; ++j) {
        if (text[j] < '0' || text[j] > '9')
          throw ScheduleError("malformed schedule: non-digit in '(' group at character " +
                              std::to_string(j));
        v = v * 10 + static_cast<uint64_t>(text[j] - '0');
      }
      if (v > 0xffffffffull) throw ScheduleError("malformed schedule: choice too large");
      ks.push_back(static_cast<uint32_t>(v));
      i = close;
    } else {
      throw ScheduleError("malformed schedule: unexpected character " +
                          quoted(std::string_view(&text[i], 1)) + " at position " +
                          std::to_string(i));
    }
  }
  return ks;
}

uint32_t ReplayChooser::choose(const ChoicePoint& cp) {
  const uint32_t n = static_cast<uint32_t>(cp.options.size());
  const ChoiceKind kind = cp.kind;
  size_t i = i_++;
  if (i >= ks_.size()) return 0;
  if (ks_[i] >= n)
    throw ScheduleError("schedule does not fit: choice #" + std::to_string(i) + " (" +
                        choice_kind_name(kind) + ") takes option " + std::to_string(ks_[i]) +
                        " but only " + std::to_string(n) +
                        " are offered here; was it recorded for another scenario or policy?");
  return ks_[i];
}

void ReplayChooser::check_all_used() const {
  if (i_ >= ks_.size()) return;
  throw ScheduleError("schedule does not fit: it has " + std::to_string(ks_.size()) +
                      " choices but the run offered only " + std::to_string(i_) +
                      " choice points; was it recorded for another scenario or policy?");
}

uint64_t RandomChooser::next() {
  uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint32_t RandomChooser::choose(const ChoicePoint& cp) {
  return below(static_cast<uint32_t>(cp.options.size()));
}

uint32_t RandomChooser::below(uint32_t n) {
  // Lemire's multiply-shift on 32 random bits: unbiased enough for n << 2^32.
  return static_cast<uint32_t>(((next() >> 32) * n) >> 32);
}

}  // namespace wb
