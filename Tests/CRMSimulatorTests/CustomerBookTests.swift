import DemoWorld
import Testing
@testable import CRMSimulator
import LookupCore

@Suite("The demo's customers")
struct CustomerBookTests {
    let book = CustomerBook()

    @Test("Customer 42 by phone and by email")
    func fortyTwo() throws {
        let byPhone = try #require(book.customer(phone: "+15550000042"))
        #expect(byPhone.id == "CUST-000042")
        #expect(byPhone.accountTier == "Standard")
        #expect(book.customer(email: "Customer42@Example.com") == byPhone)
        #expect(CustomerBook.phone(of: 42) == "+15550000042")
        #expect(CustomerBook.email(of: 42) == "customer42@example.com")
    }

    @Test("Tiers cycle by i mod 4 and languages vary")
    func tiers() {
        #expect((0..<4).map { book.customer($0)?.accountTier } == ["Enterprise", "Professional", "Standard", "Trial"])
        #expect(Set((0..<20).map { book.customer($0)?.preferredLanguage }).count > 3)
        #expect(book.customer(9_999)?.id == "CUST-009999")
        #expect(book.customer(10_000) == nil && book.customer(-1) == nil)
        #expect(CustomerBook.typedEmail(of: 42) == "Customer42@Example.com")
    }

    @Test("Numbers and addresses outside the book are not found", arguments: [
        "+15550010000", "+15551000042", "+4420794600", "15550000042x", "",
    ])
    func unknownPhones(phone: String) {
        #expect(book.customer(phone: phone) == nil)
    }

    @Test("Unknown emails")
    func unknownEmails() {
        #expect(book.customer(email: "customer10000@example.com") == nil)
        #expect(book.customer(email: "customer042@example.com") == nil)
        #expect(book.customer(email: "someone@example.com") == nil)
    }
}
