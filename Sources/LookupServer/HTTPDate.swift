#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IMF-fixdate (`Fri, 27 Nov 2026 12:32:43 GMT`), as the `Date` header carries it, made once
/// a second. One per connection handler, so on one event loop: no lock.
final class HTTPDate {
    private var second: Int = -1
    private var text = ""
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return at(epochSeconds: Int(time.tv_sec))
    }

    /// The date at a time already read (a lookup's event has one): no clock read.
    func at(epochMillis: Int64) -> String {
        let (seconds, rest) = epochMillis.quotientAndRemainder(dividingBy: 1000)
        return at(epochSeconds: Int(rest < 0 ? seconds - 1 : seconds))
    }

    private func at(epochSeconds seconds: Int) -> String {
        if seconds != second {
            second = seconds
            text = Self.format(seconds)
        }
        return text
    }

    static func format(_ epochSeconds: Int) -> String {
        var raw = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&raw, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
