import pytest

from clientvet.evidence.identifiers import InvalidIdentifier, parse_company_number, parse_inn, parse_ogrn


@pytest.mark.parametrize("inn", ["7707083893", "0272023903", "504110181262", "583716175273", " 7707 083893 "])
def test_real_inns_pass_their_checksum(inn):
    assert parse_inn(inn).value == inn.replace(" ", "")


@pytest.mark.parametrize("inn, message", [
    ("7707083894", "wrong checksum"),
    ("504110181263", "wrong checksum"),
    ("", "empty"),
    ("77070838", "10 or 12 digits"),
    ("77070838AB", "digits only"),
])
def test_bad_inns_are_refused_with_the_reason(inn, message):
    with pytest.raises(InvalidIdentifier, match=message):
        parse_inn(inn)


def test_ogrn_and_ogrnip_checksums():
    assert parse_ogrn("1027700132195").value == "1027700132195"
    assert parse_ogrn("326508100214173").is_sole_trader
    with pytest.raises(InvalidIdentifier, match="wrong checksum"):
        parse_ogrn("1027700132196")


@pytest.mark.parametrize("raw, number", [("8957400", "08957400"), ("08957400", "08957400"),
                                         ("sc123456", "SC123456"), ("OC 301234", "OC301234")])
def test_company_numbers_are_normalised(raw, number):
    identity = parse_company_number(raw)
    assert (identity.jurisdiction, identity.value, identity.key) == ("GB", number, f"gb:company_number:{number}")


@pytest.mark.parametrize("raw", ["", "123456789", "XX123456", "SC12345A"])
def test_malformed_company_numbers_are_refused(raw):
    with pytest.raises(InvalidIdentifier):
        parse_company_number(raw)
