"""Names for the synthetic district: common South African given names and surnames, and words
from which invented place, school and street names are put together.

Every person the generator makes is a random pairing of a given name and a surname from these
lists, and every place a pairing of a word and a suffix, so no generated record describes a
real person or a real school. The lists are in a fixed order: the generator draws from them
with its own seeded random source, so the same seed always gives the same names.
"""

from __future__ import annotations

# fmt: off
# Given names, by sex, drawn from the languages most spoken in Gauteng: isiZulu, Sesotho,
# Setswana, Afrikaans and English (plus a few isiXhosa and Xitsonga names, common there too).
_GIRLS: tuple[str, ...] = (
    # isiZulu / isiXhosa
    "Ayanda", "Nomvula", "Thandeka", "Zanele", "Nokuthula", "Sibongile", "Lindiwe", "Nandi",
    "Zodwa", "Thembi", "Nosipho", "Amahle", "Minenhle", "Sinethemba", "Lwazi", "Andile",
    "Khanyisile", "Nompumelelo", "Zinhle", "Busisiwe", "Ntombi", "Owethu", "Melokuhle",
    "Siphesihle", "Luyanda", "Asemahle", "Unathi", "Iminathi", "Esihle", "Nothando",
    # Sesotho / Setswana / Sepedi
    "Palesa", "Lerato", "Dineo", "Refilwe", "Mpho", "Boitumelo", "Naledi", "Kamohelo", "Lesedi",
    "Karabo", "Tshegofatso", "Onalenna", "Kgomotso", "Masego", "Reitumetse", "Keamogetse", "Dimpho",
    "Rethabile", "Limpho", "Puleng", "Tumelo", "Oratile", "Omphile", "Kelebogile", "Lebohang",
    "Bohlale", "Reneilwe", "Mosa",
    # Xitsonga / Tshivenda
    "Tsakani", "Nyiko", "Rhulani", "Mulalo", "Khensani",
    # Afrikaans
    "Anri", "Marike", "Elna", "Lize", "Charlize", "Anke", "Riana", "Mienkie", "Elmarie", "Chanel",
    "Monique", "Bianca", "Jolene", "Zelda",
    # English and others common in South Africa
    "Precious", "Faith", "Grace", "Hope", "Blessing", "Patience", "Emily", "Olivia", "Amy", "Chloe",
    "Jessica", "Kayla", "Princess", "Mercy", "Gift", "Angel", "Ashley", "Tiffany",
)

_BOYS: tuple[str, ...] = (
    # isiZulu / isiXhosa
    "Sipho", "Thabo", "Bongani", "Themba", "Mandla", "Sibusiso", "Lwandle", "Sandile", "Nkosinathi",
    "Siyabonga", "Mthunzi", "Lungelo", "Melusi", "Ayabonga", "Lubanzi", "Sizwe", "Khanyiso",
    "Mfundo", "Njabulo", "Wandile", "Kwanele", "Langa", "Bandile", "Olwethu", "Anele", "Simphiwe",
    "Mpumelelo", "Zola", "Luthando", "Lonwabo",
    # Sesotho / Setswana / Sepedi
    "Tshepo", "Kagiso", "Katlego", "Lebogang", "Tumisang", "Thapelo", "Karabo", "Teboho", "Kabelo",
    "Neo", "Tebogo", "Oratile", "Kamogelo", "Bokang", "Lesego", "Retshepile", "Tlotlo", "Mpho",
    "Tshiamo", "Amogelang", "Kgosi", "Motheo", "Reabetswe", "Thato", "Otsile", "Kopano",
    "Lehlohonolo",
    # Xitsonga / Tshivenda
    "Tiyani", "Hlulani", "Ntsako", "Rudzani", "Vusi",
    # Afrikaans
    "Pieter", "Johan", "Ruan", "Dewald", "Jaco", "Wian", "Divan", "Stefan", "Henko", "Francois",
    "Marco", "Christo", "Juan", "Reinhardt",
    # English and others common in South Africa
    "Gift", "Blessing", "Given", "Lucky", "Innocent", "Prince", "Junior", "Ethan", "Liam", "Daniel",
    "Joshua", "Michael", "Nathan", "Ryan", "Tyler", "Brandon", "Jayden", "Caleb",
)

# Adults (caregivers and staff) carry the same traditions, with names more common a
# generation earlier.
_WOMEN: tuple[str, ...] = _GIRLS + (
    "Nomsa", "Thandi", "Gugu", "Nonhlanhla", "Zanele", "Sindisiwe", "Maria", "Elizabeth", "Johanna",
    "Martha", "Sarah", "Anna", "Agnes", "Miriam", "Dorcas", "Nthabiseng", "Mamello", "Mathapelo",
    "Matshidiso", "Dikeledi", "Maserame", "Sophie", "Susan", "Petro", "Hester", "Magdalena", "Rose",
    "Beauty", "Pretty", "Lindi",
)
_MEN: tuple[str, ...] = _BOYS + (
    "Jabulani", "Sifiso", "Musa", "Vusumuzi", "Mzwandile", "Bheki", "Johannes", "Petrus", "Jacob",
    "Simon", "Samuel", "David", "Joseph", "Moses", "Elias", "Lucas", "Tladi", "Mothusi", "Lekgotla",
    "Tau", "Kgotso", "Hendrik", "Gert", "Willem", "Andries", "Frans",
)

_SURNAMES: tuple[str, ...] = (
    # isiZulu / isiXhosa
    "Dlamini", "Nkosi", "Ndlovu", "Khumalo", "Mkhize", "Zulu", "Mthembu", "Ngcobo", "Buthelezi",
    "Cele", "Zungu", "Shabalala", "Mahlangu", "Sithole", "Ntuli", "Gumede", "Mazibuko", "Hadebe",
    "Msimango", "Mabaso", "Xaba", "Ngubane", "Radebe", "Nxumalo", "Mbatha", "Zwane", "Dube",
    "Majola", "Mnisi", "Skosana", "Masilela", "Nhlapo", "Mokoena", "Tshabalala", "Gcabashe",
    "Mngadi", "Ngema", "Biyela", "Mchunu", "Ngwenya", "Mavuso", "Mdlalose", "Mkhwanazi", "Maseko",
    "Vilakazi", "Nyembe", "Mlambo", "Qwabe", "Magubane", "Sibiya", "Mahlaba", "Gxabela", "Nqayi",
    "Mtshali", "Makhanya",
    # Sesotho / Setswana / Sepedi
    "Molefe", "Mofokeng", "Mokoena", "Motaung", "Nhlapo", "Sebola", "Letsoalo", "Mahlangu", "Moloi",
    "Maluleke", "Molapo", "Modise", "Mogale", "Sebe", "Mabena", "Kekana", "Masemola", "Mothibi",
    "Tau", "Phiri", "Mokwena", "Moagi", "Seleka", "Mosia", "Matlala", "Ramokgopa", "Lebese",
    "Mphahlele", "Mashaba", "Mokgatle", "Kgosana", "Seakamela", "Matlou", "Rakgoale", "Pooe",
    "Moremi", "Diale", "Setshedi", "Mokgosi", "Tlhapi", "Molotsi", "Modiba", "Magagula",
    # Xitsonga / Tshivenda
    "Baloyi", "Maluleke", "Chauke", "Mathebula", "Hlongwane", "Ngobeni", "Mabunda", "Ramavhoya",
    "Mudau", "Nemukula",
    # Afrikaans
    "van der Merwe", "Botha", "Pretorius", "Nel", "van Wyk", "Fourie", "Jacobs", "Coetzee",
    "du Plessis", "Venter", "Kruger", "Smit", "Steyn", "Swart", "Meyer", "Jansen van Rensburg",
    "Visser", "Erasmus", "Louw", "Oosthuizen", "Lombard", "Hendricks", "Adams", "Williams",
    "Petersen", "Isaacs", "Arendse", "Davids", "Abrahams", "September", "Februarie",
    # English and others
    "Smith", "Brown", "Taylor", "Johnson", "Naidoo", "Pillay", "Govender", "Reddy", "Moodley",
    "Chetty", "Khan", "Patel", "Mohamed", "Ismail", "Jones", "Miller", "Wilson", "Scott",
)
# Surnames shared by several traditions appear once (dict keeps the first-seen order).
SURNAMES: tuple[str, ...] = tuple(dict.fromkeys(_SURNAMES))

GIRLS: tuple[str, ...] = tuple(dict.fromkeys(_GIRLS))
BOYS: tuple[str, ...] = tuple(dict.fromkeys(_BOYS))
WOMEN: tuple[str, ...] = tuple(dict.fromkeys(_WOMEN))
MEN: tuple[str, ...] = tuple(dict.fromkeys(_MEN))

# Invented place names: a word (mostly common Nguni and Sotho-Tswana words for hope, light,
# unity and so on, as many Gauteng townships and schools are named) joined with a suffix.
PLACE_WORDS: tuple[str, ...] = (
    "Lesedi", "Khanya", "Ithemba", "Thuto", "Kagiso", "Tshepo", "Masakhane", "Phakama", "Letsatsi",
    "Naledi", "Boitumelo", "Kopano", "Siyakhula", "Sizanani", "Thembalethu", "Ikageng",
    "Tswelopele", "Bophelo", "Mohau", "Lerato", "Thabang", "Khululeka", "Vukani", "Zenzele",
    "Masibambane", "Ukukhanya", "Sibonelo", "Kgotso", "Reatlegile", "Itumeleng", "Nkanyezi",
    "Sunnyvale", "Rietfontein", "Kranskloof", "Doornhoek", "Bloemhof", "Klipspruit", "Waterval",
    "Rooikop", "Wildebees", "Sonskyn", "Morgenson", "Eikenhof", "Kameelpoort", "Protea", "Acacia",
    "Jacaranda", "Marula", "Aloe", "Msasa", "Umthombo", "Dikgopane", "Mooiplaas", "Leeuwkloof",
    "Vaalbank", "Goudvlei",
)
PLACE_SUFFIXES: tuple[str, ...] = (
    "", " Park", " Extension", " View", " Heights", " Gardens", " Village", " Ridge", " Vale",
    " Township", " Hill", " Estate",
)
SCHOOL_SUFFIXES: tuple[str, ...] = (
    "Primary School", "Primary School", "Primary School", "Combined School",
    "Community Primary School", "Junior Primary School", "Intermediate School",
)
STREET_WORDS: tuple[str, ...] = (
    "Mokoena", "Protea", "Jacaranda", "Ndlovu", "Marula", "Mandela", "Sisulu", "Tambo", "Freedom",
    "Unity", "Church", "Station", "School", "Market", "Main", "Hope", "Thabo", "Lesedi", "Letsatsi",
    "Mahlangu", "Khumalo", "Aloe", "Acacia", "Spruit", "Kerk", "Voortrekker", "Plein", "Mimosa",
    "Bluegum", "Molapo", "Tsholofelo", "Phakama", "Khanya",
)
STREET_KINDS: tuple[str, ...] = (
    "Street", "Street", "Street", "Avenue", "Road", "Drive", "Crescent", "Lane",
)

# Services around a group of schools.
CLINIC_KINDS: tuple[str, ...] = ("Clinic", "Community Health Centre", "Clinic")
NGO_KINDS: tuple[str, ...] = (
    "Child and Family Care", "Family Support Centre", "Child Welfare", "Youth Development Trust",
    "Early Learning Trust", "Caring Hands", "Siyakhana Children's Project",
)
COMMUNITY_KINDS: tuple[str, ...] = (
    "Community Care Forum", "Drop-in Centre", "Women's Sewing Group", "Burial Society Club",
    "Soup Kitchen", "Home-based Care Group", "Faith Community Care Team",
)
# fmt: on
