// A FIFO queue in one vector: the world's run queues and waiter lists.
// std::deque allocates a map and 512-byte blocks, so copying a world (each
// run starts from a copy, and exhaustive search keeps snapshots) spent more
// time in the queues than in the rest; a vector copies in one move. Popping
// the front advances a head index; the dead prefix is dropped once it is
// half the storage (amortised O(1) per pop).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace wb {

template <class T>
class Fifo {
 public:
  using value_type = T;
  using iterator = typename std::vector<T>::iterator;
  using const_iterator = typename std::vector<T>::const_iterator;

  bool empty() const { return head_ == v_.size(); }
  size_t size() const { return v_.size() - head_; }
  T& front() { return v_[head_]; }
  const T& front() const { return v_[head_]; }
  T& back() { return v_.back(); }
  const T& back() const { return v_.back(); }
  T& operator[](size_t i) { return v_[head_ + i]; }
  const T& operator[](size_t i) const { return v_[head_ + i]; }
  iterator begin() { return v_.begin() + static_cast<std::ptrdiff_t>(head_); }
  iterator end() { return v_.end(); }
  const_iterator begin() const { return v_.begin() + static_cast<std::ptrdiff_t>(head_); }
  const_iterator end() const { return v_.end(); }

  void push_back(const T& x) { v_.push_back(x); }
  template <class... A>
  T& emplace_back(A&&... a) {
    return v_.emplace_back(std::forward<A>(a)...);
  }
  void pop_front() {
    if (++head_ == v_.size()) {
      clear();
    } else if (head_ >= 16 && head_ * 2 >= v_.size()) {
      v_.erase(v_.begin(), v_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  iterator erase(const_iterator it) { return v_.erase(it); }
  iterator erase(const_iterator first, const_iterator last) { return v_.erase(first, last); }
  void clear() {
    v_.clear();
    head_ = 0;
  }
  void swap(Fifo& o) noexcept {
    v_.swap(o.v_);
    std::swap(head_, o.head_);
  }

 private:
  std::vector<T> v_;
  size_t head_ = 0;
};

}  // namespace wb
