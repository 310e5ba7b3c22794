// Result<T, E>: a value or an error, for code where failure is ordinary
// (a malformed packet, a bad argument). Exceptions stay at the edges.
#pragma once

#include <utility>
#include <variant>

#include "base/check.h"

namespace finwait {

// Wraps an error so that Result<T, E> can be built from it even when T and E
// are convertible to each other.
template <class E>
struct Failure {
  E error;
};

template <class E>
Failure(E) -> Failure<E>;

template <class E>
constexpr Failure<E> fail(E error) {
  return Failure<E>{std::move(error)};
}

template <class T, class E>
class [[nodiscard]] Result {
 public:
  constexpr Result(T value)
      : storage_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  constexpr Result(Failure<E> failure)                         // NOLINT(google-explicit-constructor)
      : storage_(std::in_place_index<1>, std::move(failure.error)) {}

  constexpr bool ok() const { return storage_.index() == 0; }
  constexpr explicit operator bool() const { return ok(); }

  constexpr T& value() & {
    FINWAIT_CHECK(ok());
    return std::get<0>(storage_);
  }
  constexpr const T& value() const& {
    FINWAIT_CHECK(ok());
    return std::get<0>(storage_);
  }
  constexpr T&& value() && {
    FINWAIT_CHECK(ok());
    return std::get<0>(std::move(storage_));
  }
  constexpr const E& error() const {
    FINWAIT_CHECK(!ok());
    return std::get<1>(storage_);
  }

  constexpr T& operator*() & { return value(); }
  constexpr const T& operator*() const& { return value(); }
  constexpr T* operator->() { return &value(); }
  constexpr const T* operator->() const { return &value(); }

 private:
  std::variant<T, E> storage_;
};

}  // namespace finwait
