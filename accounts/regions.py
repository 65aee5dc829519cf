"""ISO 3166-1 alpha-2 country codes → WCO region (codes as in accounts.models.Region).

WCO members are placed in the region they belong to in the WCO; territories and
non-members by geography. Lines marked as doubtful are judgement calls.
"""

COUNTRY_REGION: dict[str, str] = {
    "AD": "EUR",  # Andorra
    "AE": "MENA",  # United Arab Emirates
    "AF": "AP",  # Afghanistan
    "AG": "AMS",  # Antigua and Barbuda
    "AI": "AMS",  # Anguilla
    "AL": "EUR",  # Albania
    "AM": "EUR",  # Armenia
    "AO": "ESA",  # Angola
    # no WCO region: placed in AP arbitrarily
    "AQ": "AP",  # Antarctica
    "AR": "AMS",  # Argentina
    "AS": "AP",  # American Samoa
    "AT": "EUR",  # Austria
    "AU": "AP",  # Australia
    "AW": "AMS",  # Aruba
    "AX": "EUR",  # Åland Islands
    "AZ": "EUR",  # Azerbaijan
    "BA": "EUR",  # Bosnia and Herzegovina
    "BB": "AMS",  # Barbados
    "BD": "AP",  # Bangladesh
    "BE": "EUR",  # Belgium
    "BF": "WCA",  # Burkina Faso
    "BG": "EUR",  # Bulgaria
    "BH": "MENA",  # Bahrain
    "BI": "ESA",  # Burundi
    "BJ": "WCA",  # Benin
    "BL": "AMS",  # Saint Barthélemy
    "BM": "AMS",  # Bermuda
    "BN": "AP",  # Brunei
    "BO": "AMS",  # Bolivia
    "BQ": "AMS",  # Bonaire, Sint Eustatius and Saba
    "BR": "AMS",  # Brazil
    "BS": "AMS",  # Bahamas (The)
    "BT": "AP",  # Bhutan
    # Norwegian, South Atlantic: no WCO member; nearest mainland is South Africa
    "BV": "ESA",  # Bouvet Island
    "BW": "ESA",  # Botswana
    "BY": "EUR",  # Belarus
    "BZ": "AMS",  # Belize
    "CA": "AMS",  # Canada
    "CC": "AP",  # Cocos (Keeling) Islands
    "CD": "WCA",  # Democratic Republic of the Congo
    "CF": "WCA",  # Central African Republic
    "CG": "WCA",  # Congo
    "CH": "EUR",  # Switzerland
    "CI": "WCA",  # Côte d'Ivoire
    "CK": "AP",  # Cook Islands
    "CL": "AMS",  # Chile
    "CM": "WCA",  # Cameroon
    "CN": "AP",  # China
    "CO": "AMS",  # Colombia
    "CR": "AMS",  # Costa Rica
    "CU": "AMS",  # Cuba
    "CV": "WCA",  # Cabo Verde
    "CW": "AMS",  # Curaçao
    "CX": "AP",  # Christmas Island
    "CY": "EUR",  # Cyprus
    "CZ": "EUR",  # Czechia
    "DE": "EUR",  # Germany
    # doubtful: Djibouti is counted in ESA by the WCO, although an Arab League member
    "DJ": "ESA",  # Djibouti
    "DK": "EUR",  # Denmark
    "DM": "AMS",  # Dominica
    "DO": "AMS",  # Dominican Republic
    "DZ": "MENA",  # Algeria
    "EC": "AMS",  # Ecuador
    "EE": "EUR",  # Estonia
    "EG": "MENA",  # Egypt
    # not a WCO member: placed by geography
    "EH": "MENA",  # Western Sahara
    "ER": "ESA",  # Eritrea
    "ES": "EUR",  # Spain
    "ET": "ESA",  # Ethiopia
    "FI": "EUR",  # Finland
    "FJ": "AP",  # Fiji
    "FK": "AMS",  # Falkland Islands (Malvinas)
    "FM": "AP",  # Micronesia
    "FO": "EUR",  # Faroe Islands
    "FR": "EUR",  # France
    "GA": "WCA",  # Gabon
    "GB": "EUR",  # United Kingdom
    "GD": "AMS",  # Grenada
    "GE": "EUR",  # Georgia
    "GF": "AMS",  # French Guiana
    "GG": "EUR",  # Guernsey
    "GH": "WCA",  # Ghana
    "GI": "EUR",  # Gibraltar
    # doubtful: part of the Kingdom of Denmark (EUR) but in North America
    "GL": "AMS",  # Greenland
    "GM": "WCA",  # Gambia
    "GN": "WCA",  # Guinea
    "GP": "AMS",  # Guadeloupe
    "GQ": "WCA",  # Equatorial Guinea
    "GR": "EUR",  # Greece
    "GS": "AMS",  # South Georgia
    "GT": "AMS",  # Guatemala
    "GU": "AP",  # Guam
    "GW": "WCA",  # Guinea-Bissau
    "GY": "AMS",  # Guyana
    "HK": "AP",  # Hong Kong
    "HM": "AP",  # Heard Island and McDonald Islands
    "HN": "AMS",  # Honduras
    "HR": "EUR",  # Croatia
    "HT": "AMS",  # Haiti
    "HU": "EUR",  # Hungary
    "ID": "AP",  # Indonesia
    "IE": "EUR",  # Ireland
    # Israel is a member of the WCO Europe region
    "IL": "EUR",  # Israel
    "IM": "EUR",  # Isle of Man
    "IN": "AP",  # India
    # doubtful: Chagos Archipelago, sovereignty passing to Mauritius (ESA)
    "IO": "ESA",  # British Indian Ocean Territory
    "IQ": "MENA",  # Iraq
    # Iran is a member of the WCO Asia/Pacific region
    "IR": "AP",  # Iran
    "IS": "EUR",  # Iceland
    "IT": "EUR",  # Italy
    "JE": "EUR",  # Jersey
    "JM": "AMS",  # Jamaica
    "JO": "MENA",  # Jordan
    "JP": "AP",  # Japan
    "KE": "ESA",  # Kenya
    # the Central Asian states are members of the WCO Europe region
    "KG": "EUR",  # Kyrgyzstan
    "KH": "AP",  # Cambodia
    "KI": "AP",  # Kiribati
    "KM": "ESA",  # Comoros
    "KN": "AMS",  # Saint Kitts and Nevis
    "KP": "AP",  # North Korea
    "KR": "AP",  # South Korea
    "KW": "MENA",  # Kuwait
    "KY": "AMS",  # Cayman Islands
    "KZ": "EUR",  # Kazakhstan
    "LA": "AP",  # Laos
    "LB": "MENA",  # Lebanon
    "LC": "AMS",  # Saint Lucia
    "LI": "EUR",  # Liechtenstein
    "LK": "AP",  # Sri Lanka
    "LR": "WCA",  # Liberia
    "LS": "ESA",  # Lesotho
    "LT": "EUR",  # Lithuania
    "LU": "EUR",  # Luxembourg
    "LV": "EUR",  # Latvia
    "LY": "MENA",  # Libya
    "MA": "MENA",  # Morocco
    "MC": "EUR",  # Monaco
    "MD": "EUR",  # Moldova
    "ME": "EUR",  # Montenegro
    "MF": "AMS",  # Saint Martin (French part)
    "MG": "ESA",  # Madagascar
    "MH": "AP",  # Marshall Islands
    "MK": "EUR",  # North Macedonia
    "ML": "WCA",  # Mali
    "MM": "AP",  # Myanmar
    "MN": "AP",  # Mongolia
    "MO": "AP",  # Macao
    "MP": "AP",  # Northern Mariana Islands
    "MQ": "AMS",  # Martinique
    # doubtful: Mauritania sits with the WCO MENA region, not WCA
    "MR": "MENA",  # Mauritania
    "MS": "AMS",  # Montserrat
    "MT": "EUR",  # Malta
    "MU": "ESA",  # Mauritius
    "MV": "AP",  # Maldives
    "MW": "ESA",  # Malawi
    "MX": "AMS",  # Mexico
    "MY": "AP",  # Malaysia
    "MZ": "ESA",  # Mozambique
    "NA": "ESA",  # Namibia
    "NC": "AP",  # New Caledonia
    "NE": "WCA",  # Niger
    "NF": "AP",  # Norfolk Island
    "NG": "WCA",  # Nigeria
    "NI": "AMS",  # Nicaragua
    "NL": "EUR",  # Netherlands
    "NO": "EUR",  # Norway
    "NP": "AP",  # Nepal
    "NR": "AP",  # Naoero
    "NU": "AP",  # Niue
    "NZ": "AP",  # New Zealand
    "OM": "MENA",  # Oman
    "PA": "AMS",  # Panama
    "PE": "AMS",  # Peru
    "PF": "AP",  # French Polynesia
    "PG": "AP",  # Papua New Guinea
    "PH": "AP",  # Philippines
    "PK": "AP",  # Pakistan
    "PL": "EUR",  # Poland
    "PM": "AMS",  # Saint Pierre and Miquelon
    "PN": "AP",  # Pitcairn
    "PR": "AMS",  # Puerto Rico
    # not a WCO member: placed by geography
    "PS": "MENA",  # Palestine
    "PT": "EUR",  # Portugal
    "PW": "AP",  # Palau
    "PY": "AMS",  # Paraguay
    "QA": "MENA",  # Qatar
    "RE": "ESA",  # Réunion
    "RO": "EUR",  # Romania
    "RS": "EUR",  # Serbia
    "RU": "EUR",  # Russia
    "RW": "ESA",  # Rwanda
    "SA": "MENA",  # Saudi Arabia
    "SB": "AP",  # Solomon Islands
    "SC": "ESA",  # Seychelles
    "SD": "MENA",  # Sudan
    "SE": "EUR",  # Sweden
    "SG": "AP",  # Singapore
    # doubtful: South Atlantic; placed with West Africa (UN M49)
    "SH": "WCA",  # Saint Helena
    "SI": "EUR",  # Slovenia
    "SJ": "EUR",  # Svalbard and Jan Mayen
    "SK": "EUR",  # Slovakia
    "SL": "WCA",  # Sierra Leone
    "SM": "EUR",  # San Marino
    "SN": "WCA",  # Senegal
    "SO": "ESA",  # Somalia
    "SR": "AMS",  # Suriname
    "SS": "ESA",  # South Sudan
    "ST": "WCA",  # Sao Tome and Principe
    "SV": "AMS",  # El Salvador
    "SX": "AMS",  # Sint Maarten (Dutch part)
    "SY": "MENA",  # Syria
    "SZ": "ESA",  # Eswatini
    "TC": "AMS",  # Turks and Caicos Islands
    "TD": "WCA",  # Chad
    # French Southern Territories: Indian Ocean, administered from Réunion
    "TF": "ESA",  # French Southern Territories
    "TG": "WCA",  # Togo
    "TH": "AP",  # Thailand
    "TJ": "EUR",  # Tajikistan
    "TK": "AP",  # Tokelau
    "TL": "AP",  # Timor-Leste
    "TM": "EUR",  # Turkmenistan
    "TN": "MENA",  # Tunisia
    "TO": "AP",  # Tonga
    "TR": "EUR",  # Türkiye
    "TT": "AMS",  # Trinidad and Tobago
    "TV": "AP",  # Tuvalu
    # not a WCO member: placed by geography
    "TW": "AP",  # Taiwan
    "TZ": "ESA",  # Tanzania
    "UA": "EUR",  # Ukraine
    "UG": "ESA",  # Uganda
    # mostly Pacific atolls; Navassa Island (Caribbean) is the exception
    "UM": "AP",  # United States Minor Outlying Islands
    "US": "AMS",  # United States of America
    "UY": "AMS",  # Uruguay
    "UZ": "EUR",  # Uzbekistan
    "VA": "EUR",  # Vatican City
    "VC": "AMS",  # Saint Vincent and the Grenadines
    "VE": "AMS",  # Venezuela
    "VG": "AMS",  # Virgin Islands (British)
    "VI": "AMS",  # Virgin Islands (U.S.)
    "VN": "AP",  # Vietnam
    "VU": "AP",  # Vanuatu
    "WF": "AP",  # Wallis and Futuna
    "WS": "AP",  # Samoa
    "YE": "MENA",  # Yemen
    "YT": "ESA",  # Mayotte
    "ZA": "ESA",  # South Africa
    "ZM": "ESA",  # Zambia
    "ZW": "ESA",  # Zimbabwe
}


def region_of(country_code: str) -> str | None:
    """The WCO region code of an ISO 3166-1 alpha-2 country code, or None if unknown."""
    return COUNTRY_REGION.get(country_code.upper())
