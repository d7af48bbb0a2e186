import DemoWorld
import CRMSimulator
import FaultCatalog
import Foundation
import LookupCore
import EdgeHTTP
import LookupServer
import MetricsEngine
import TestSupport
import Testing

extension LiveHTTP {
    /// Lookups for known customers at trace level, through found, not-found, CRM faults and an
    /// unreachable CRM: no log line, event, snapshot or metric holds their number, email or name.
    @Suite("Personal data stays out of logs, events and metrics")
    struct PersonalDataTests {
        static let customers = [42, 137, 2024, 7777]

        /// What must never appear: each customer's digits, email (plain and percent-encoded) and names.
        static var forbidden: [String] {
            customers.flatMap { index -> [String] in
                let person = CustomerBook().customer(index)!
                let phone = CustomerBook.phone(of: index)
                return [
                    String(phone.dropFirst()), String(phone.dropFirst(2)), CustomerBook.email(of: index),
                    URLText.percentEncoded(CustomerBook.email(of: index)), person.firstName! + " " + person.lastName!, person.lastName!,
                ]
            }
        }

        static func requests(for index: Int) -> [String] {
            let phone = CustomerBook.phone(of: index)
            return [
                #"{"ani":"\#(phone)"}"#, #"{"ani":"tel: \#(phone)"}"#, #"{"ani":"sip:\#(phone)@10.1.2.3:5060"}"#,
                #"{"email":"\#(CustomerBook.email(of: index))"}"#, #"{"ani":"+1999\#(phone.suffix(7))"}"#,
            ]
        }

        static func leaks(in text: String) -> [String] {
            forbidden.filter { text.contains($0) }
        }

        @Test("At trace level, with CRM faults and a refused CRM, nothing personal is logged, emitted or exported")
        func scan() async throws {
            let capture = LogCapture()
            let logger = capture.logger(level: .trace)
            var emitted: [MetricEvent] = []
            var exported: [String] = []
            let plans: [FaultPlan] = [
                .none,
                FaultPlan(error: .init(probability: 1, status: 503)),
                FaultPlan(malformed: .init(probability: 1)),
            ]
            try await LiveStack.with(.init(crmTimeout: .seconds(2), logger: logger)) { stack in
                for plan in plans {
                    try await stack.simulator!.setFaults(plan)
                    _ = stack.caches.flush()
                    for index in Self.customers {
                        for body in Self.requests(for: index) { #expect(try await stack.lookup(body).status == 200) }
                    }
                }
                emitted += try await stack.nextEvents(plans.count * Self.customers.count * 5)
                exported.append(try await stack.request(.GET, "/api/snapshot").body)
                exported.append(try await stack.request(.GET, "/metrics").body)
            }
            try await LiveStack.with(.init(crmURL: try await ScriptedHTTPCRM.refusingURL(), logger: logger)) { stack in
                for index in Self.customers {
                    for body in Self.requests(for: index) { #expect(try await stack.lookup(body).status == 200) }
                }
                emitted += try await stack.nextEvents(Self.customers.count * 5)
            }
            let lines = capture.all
            // The CRM failures were logged (at debug), so the scan below read real lines.
            #expect(lines.contains { $0.contains("CRM call failed") && $0.contains("crm_unreachable") })
            #expect(lines.contains { $0.contains("CRM call failed") && $0.contains("key=phone …0042") })
            #expect(emitted.count == plans.count * Self.customers.count * 5 + Self.customers.count * 5)
            for line in lines { #expect(Self.leaks(in: line).isEmpty, "log line: \(line)") }
            for event in emitted {
                let encoded = String(decoding: try JSONEncoder().encode(event), as: UTF8.self)
                #expect(Self.leaks(in: encoded).isEmpty, "event: \(encoded)")
            }
            for body in exported { #expect(Self.leaks(in: body).isEmpty, "export: \(body.prefix(300))") }
        }

        @Test("Keys, requests, records and profiles describe themselves without the personal part")
        func descriptions() throws {
            let key = try #require(LookupKey.from(ani: "+15550000042", email: nil))
            let email = try #require(LookupKey.from(ani: nil, email: "customer42@example.com"))
            let record = CRMRecord(id: "CUST-000042", firstName: "Ada", lastName: "Okafor", accountTier: "Gold")
            let texts = [
                "\(key)", String(reflecting: key), "\(email)", "\(LookupRequest(ani: "+15550000042", email: "customer42@example.com"))",
                "\(record)", String(reflecting: record), "\(CustomerProfile.found(record, queues: TierQueueMap()))", "\(CRMOutcome.found(record))",
            ]
            for text in texts {
                #expect(!text.contains("5550000042") && !text.contains("customer42") && !text.contains("Okafor") && !text.contains("Ada"), "\(text)")
            }
            #expect("\(key)" == "phone …0042")
            #expect(key.scrub("GET /customers?phone=%2B15550000042 failed") == "GET /customers?phone=%2Bphone …0042 failed")
            #expect(email.scrub("email=customer42%40example.com") == "email=\(email)")
        }
    }
}
