import Testing
@testable import LookupCore

@Suite("Lookup key normalisation")
struct LookupKeyTests {
    @Test("Every form Genesys sends for one number gives the same digits", arguments: [
        "tel:+13175550116", "tel: +13175550116", "sip:+13175550116@10.1.2.3:5060;user=phone",
        "+1 (317) 555-0116", "13175550116", "TEL:+13175550116", "sips:+13175550116@carrier.example",
        "  tel:  +1-317-555-0116  ", "tel:+13175550116;ext=105", "sip:13175550116;user=phone",
    ])
    func sameNumber(form: String) {
        #expect(LookupKey.normaliseANI(form) == "13175550116")
    }

    @Test("Host, port and parameter digits never leak into the key")
    func uriParts() {
        #expect(LookupKey.normaliseANI("sip:+15550000042@192.168.10.20:5061;transport=tls") == "15550000042")
        #expect(LookupKey.normaliseANI("tel:+13178723000;ext=105") == "13178723000")
    }

    @Test("Withheld numbers, empty values and macros mean no ANI", arguments: [
        "anonymous", "Anonymous", "UNKNOWN", "restricted", "Private", "", "   ",
        "${input.ani}", "$!{input.ani}", "tel:", "sip:anonymous@anonymous.invalid", "no digits here",
    ])
    func noANI(value: String) {
        #expect(LookupKey.normaliseANI(value) == nil)
    }

    @Test("Email is trimmed and lowercased, and needs exactly one @")
    func email() {
        #expect(LookupKey.normaliseEmail("  Customer7@Example.COM ") == "customer7@example.com")
        #expect(LookupKey.normaliseEmail("no-at-sign") == nil)
        #expect(LookupKey.normaliseEmail("two@@example.com") == nil)
        #expect(LookupKey.normaliseEmail("a@b@c") == nil)
        #expect(LookupKey.normaliseEmail("${input.email}") == nil)
        #expect(LookupKey.normaliseEmail("$!{input.email}") == nil)
        #expect(LookupKey.normaliseEmail("") == nil)
    }

    @Test("The ANI wins over the email; the email is the fallback")
    func keyChoice() {
        #expect(LookupKey.from(ani: "tel:+15550000042", email: "customer1@example.com") == .phone(digits: "15550000042"))
        #expect(LookupKey.from(ani: "anonymous", email: "Customer1@example.com") == .email("customer1@example.com"))
        #expect(LookupKey.from(ani: "${input.ani}", email: "${input.email}") == nil)
        #expect(LookupKey.from(ani: nil, email: nil) == nil)
    }

    @Test("Cache keys are namespaced by kind")
    func cacheKeys() {
        #expect(LookupKey.phone(digits: "15550000042").cacheKey == "customer:ani:15550000042")
        #expect(LookupKey.email("a@b.com").cacheKey == "customer:email:a@b.com")
    }

    @Test("Colo codes are three letters, uppercased")
    func colos() {
        #expect(Colo("sin")?.code == "SIN")
        #expect(Colo("LHR")?.code == "LHR")
        #expect(Colo("LH") == nil)
        #expect(Colo("LHR1") == nil)
        #expect(Colo("L1R") == nil)
        #expect(Colo("") == nil)
        // Bytes whose letter bit pattern is a letter's, and text of three characters but more bytes.
        #expect(Colo("L@R") == nil && Colo("L[R") == nil && Colo("l{r") == nil && Colo("LHÉ") == nil && Colo("\u{1}HR") == nil)
        #expect(Colo("lHr")?.code == "LHR" && Colo("zzz")?.code == "ZZZ" && Colo("AAA")?.code == "AAA")
        // Distinct codes, distinct slots (the per-colo caches are found by slot).
        #expect(Colo("AAA")?.slot == 0 && Colo("AAB")?.slot == 1 && Colo("BAA")?.slot == 676 && Colo("ZZZ")?.slot == Colo.slotCount - 2)
        #expect(Colo(Substring("xLHRx").dropFirst().dropLast())?.code == "LHR")
    }
}
