use super::*;

fn anonymizer() -> Anonymizer {
    let contacts =
        vec!["Priya Raman".to_string(), "Callum Hadley".to_string(), "Tomás Reyes".to_string()];
    let parties = KnownParties {
        contacts: &contacts,
        rep: "Marcus Feld",
        interviewers: vec!["Dana Whitfield"],
        accounts: vec!["Northwind Freight Ltd"],
        buyer_speakers: vec!["Priya Raman", "Wei Ling Tan"],
        interviewer_speakers: vec!["Dana Whitfield"],
        vocabulary: None,
        ner: None,
        corpus_terms: None,
    };
    let mut aliases = Aliases::default();
    aliases.add_canonical("Heapster");
    aliases.add_alias("Heapster", "the Heap folks");
    Anonymizer::new(&parties, &aliases)
}

#[test]
fn a_buyers_own_company_nobody_listed_becomes_account() {
    let a = anonymizer();
    a.learn_from([
        "So, we're Parcel & Pine, home goods, mostly online.",
        "So Brightwell is a telehealth company. Video visits, prescriptions.",
        "I'm the CFO, and at Parcel & Pine finance reconciles everything.",
    ]);
    let out = a.redact("At Parcel & Pine and at Brightwell we reconcile. A pine table.");
    assert_eq!(out, "At [ACCOUNT] and at [ACCOUNT] we reconcile. A pine table.");
}

#[test]
fn the_interviewer_names_the_account_too() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    a.learn_interview([
        (true, vec!["How did this project start at Kestrelway?"]),
        (false, vec!["Kestrelway's a home goods chain, forty stores. I run supply chain there."]),
        (true, vec!["Can you describe what Ondarra was looking for?"]),
        (false, vec!["Ondarra places locum nurses into hospitals, so speed mattered."]),
    ]);
    assert_eq!(
        a.redact("Kestrelway had it. Ondarra did not."),
        "[ACCOUNT] had it. [ACCOUNT] did not."
    );
}

#[test]
fn crm_account_short_forms_whose_brand_is_not_the_first_word() {
    let parties = KnownParties {
        accounts: vec!["Distribuidora Serrano Salud S.A. de C.V."],
        ..KnownParties::default()
    };
    let a = Anonymizer::new(&parties, &Aliases::default());
    assert_eq!(
        a.redact("I run supply chain at Serrano; serrano's warehouse, Serrano Salud's board."),
        "I run supply chain at [ACCOUNT]; [ACCOUNT]'s warehouse, [ACCOUNT]'s board."
    );
    assert!(a.crm_terms().iter().any(|term| term.form == "Serrano"));
}

#[test]
fn a_parent_group_one_letter_from_a_competitor_is_still_an_account() {
    let mut aliases = Aliases::default();
    aliases.add_canonical("Castellanos Pay");
    aliases.add_alias("Castellanos Pay", "Castellanos");
    let a = Anonymizer::new(&KnownParties::default(), &aliases);
    a.learn_interview([(
        false,
        vec!["Technically we belong to Grupo Industrial Castellane, but we buy our own tools."],
    )]);
    assert_eq!(
        a.redact("Grupo Industrial Castellane decides. Castellanos was cheaper; Castellano too."),
        "[ACCOUNT] decides. Castellanos was cheaper; Castellano too."
    );
}

#[test]
fn towns_after_location_cues_become_cities() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    a.learn_from(["Our head office is in Tlaquepaque, near the airport."]);
    assert_eq!(a.redact("Tlaquepaque is hot."), "[CITY] is hot.");
}

#[test]
fn people_and_accounts_get_consistent_placeholders() {
    let a = anonymizer();
    assert_eq!(
        a.redact("Priya said Callum's team at Northwind liked Heapster, and Marcus was great."),
        "[BUYER] said [COLLEAGUE 1]'s team at [ACCOUNT] liked Heapster, and [REP] was great."
    );
    assert_eq!(
        a.redact("Raman and callum hadley, Tomas too."),
        "[BUYER] and [COLLEAGUE 1], [COLLEAGUE 2] too."
    );
    assert_eq!(a.redact("Wei Ling and Tan"), "[COLLEAGUE 3] and [COLLEAGUE 3]");
    assert_eq!(a.speaker_placeholder("Wei Ling Tan"), Some("[COLLEAGUE 3]"));
    let counts = a.redaction_counts();
    assert_eq!(counts["BUYER"], 2);
    assert_eq!(counts["COLLEAGUE"], 5);
    assert!(a.people().contains(&("[COLLEAGUE 3]".to_string(), "Wei Ling Tan".to_string())));
    assert_eq!(
        a.redact("Dana asked about Northwind Freight."),
        "[INTERVIEWER] asked about [ACCOUNT]."
    );
}

#[test]
fn unlisted_given_names_become_consistent_colleagues() {
    let vocabulary: HashSet<String> = ["will", "may"].map(String::from).into();
    let contacts = vec!["Priya Raman".to_string()];
    let parties = KnownParties {
        contacts: &contacts,
        vocabulary: Some(&vocabulary),
        ..KnownParties::default()
    };
    let a = Anonymizer::new(&parties, &Aliases::default());
    assert_eq!(
        a.redact(
            "We started with a saleswoman, Valeria, in May. Valeria's quote was fine. Will said so."
        ),
        "We started with a saleswoman, [COLLEAGUE 1], in May. [COLLEAGUE 1]'s quote was fine. Will said so."
    );
    assert_eq!(a.redact("Then Jerome joined."), "Then [COLLEAGUE 2] joined.");
    assert!(a.pii_terms().contains(&"Valeria".to_string()));
}

#[test]
fn misspelled_competitors_and_calendar_words_are_not_people() {
    let mut aliases = Aliases::default();
    aliases.add_canonical("Amplifly");
    let contacts = vec!["Priya Raman".to_string()];
    let parties = KnownParties { contacts: &contacts, ..KnownParties::default() };
    let a = Anonymizer::new(&parties, &aliases);
    assert_eq!(
        a.redact("September and January are huge, Valeria said. Amplify was fine."),
        "September and January are huge, [COLLEAGUE 1] said. Amplify was fine."
    );
}

#[test]
fn contact_details_and_cities() {
    let a = anonymizer();
    assert_eq!(
        a.redact("mail priya.r@northwind.com, our Rotterdam office, EU hosting in Frankfurt"),
        "mail [EMAIL], our [CITY] office, EU hosting in Frankfurt"
    );
}

#[test]
fn ordinary_words_and_competitors_survive() {
    let contacts = vec!["Will Grant".to_string(), "Mark Okafor".to_string()];
    let parties = KnownParties {
        contacts: &contacts,
        accounts: vec!["Heapster Labs"],
        ..KnownParties::default()
    };
    let mut aliases = Aliases::default();
    aliases.add_canonical("Heapster");
    let a = Anonymizer::new(&parties, &aliases);
    assert_eq!(
        a.redact("Will said we will apply for a grant, Grant agreed. Will will call."),
        "[BUYER] said we will apply for a grant, [BUYER] agreed. [BUYER] will call."
    );
    assert_eq!(a.redact("Mark marked it, our CISO too."), "[COLLEAGUE 1] marked it, our CISO too.");
    assert_eq!(a.redact("Heapster was cheaper"), "Heapster was cheaper");
    assert!(
        is_role_label("Project Manager")
            && is_role_label("Grad B")
            && !is_role_label("Kayla Moreno")
    );
}

#[test]
fn interjections_stay_and_adjacent_names_are_one_person() {
    let a = anonymizer();
    let text = "Almost too thorough. Look, we also had Mette Mäkinen, she ran it. \
                Look, our CEO had a relationship with them. Ingrid, our CFO, agreed.";
    a.learn_interview([(false, vec![text])]);
    assert_eq!(
        a.redact(text),
        "Almost too thorough. Look, we also had [COLLEAGUE 5], she ran it. \
         Look, our CEO had a relationship with them. [COLLEAGUE 4], our CFO, agreed."
    );
}

#[test]
fn a_listed_name_that_is_a_word_is_redacted_in_lower_case_where_a_person_stands() {
    let contacts = vec!["Zihan Chen".to_string(), "Fang Wu".to_string(), "Will Ortega".to_string()];
    let parties = KnownParties { contacts: &contacts, ..KnownParties::default() };
    let a = Anonymizer::new(&parties, &Aliases::default());
    assert_eq!(
        a.redact("then i asked fang to pull it. fang said no. Fang did. a fang. we will see."),
        "then i asked [COLLEAGUE 1] to pull it. [COLLEAGUE 1] said no. [COLLEAGUE 1] did. \
         a fang. we will see."
    );
    assert_eq!(
        a.redact("will said yes, and i told will."),
        "[COLLEAGUE 2] said yes, and i told [COLLEAGUE 2]."
    );
}

#[test]
fn honorifics_and_titles_stay_outside_the_placeholder() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let text = "Sure, so, um, I'm Head of IT. We ran it past Emine Hanım, who has been here \
                longer. Herr Weiß's team did most of the testing. Meneer Dijkstra agreed.";
    a.learn_interview([(false, vec![text])]);
    let out = a.redact(text);
    for kept in
        ["I'm Head of IT", "Hanım, who", "Herr [COLLEAGUE", "]'s team did", "Meneer [COLLEAGUE"]
    {
        assert!(out.contains(kept), "{kept} missing from {out}");
    }
    for gone in ["Emine", "Weiß", "Dijkstra"] {
        assert!(!out.contains(gone), "{gone} left in {out}");
    }
}

#[test]
fn two_known_names_in_a_role_frame_are_a_person() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let text = "They sat with us for a week. Will Lee runs our warehouse systems. \
                Will will call you if the numbers change.";
    a.learn_interview([(false, vec![text])]);
    assert_eq!(
        a.redact(text),
        "They sat with us for a week. [COLLEAGUE 1] runs our warehouse systems. \
         Will will call you if the numbers change."
    );
}

/// A competitor's spelling split in two ("Rota Bee" of "Rotabee") whose second word is also a
/// given name: the words stay, whatever the case of the file's spellings.
#[test]
fn a_competitor_spelled_as_two_words_stays_searchable() {
    for (canonical, split) in
        [("Rotabee", "Rota Bee"), ("Mayfleet", "May Fleet"), ("Jobjune", "Job June")]
    {
        let toml = format!(
            "[competitors]\n\"{canonical}\" = [\"{}\", \"{split}\"]\n",
            canonical.to_lowercase()
        );
        let aliases = Aliases::parse(std::path::Path::new("competitors.toml"), &toml).unwrap();
        let a = Anonymizer::new(&KnownParties::default(), &aliases);
        let sentence = format!("{split} doesn't check anything. {canonical} was cheaper.");
        a.learn_from([sentence.as_str()]);
        assert_eq!(a.redact(&sentence), sentence, "{canonical}");
    }
}

/// Colloquial location cues ("one home out at Oswestry", "a site up in Ballina"): the town is a
/// place of the buyer's, whatever its size.
#[test]
fn towns_after_colloquial_location_cues_are_places() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let text = "Three homes, one with nursing out at Oswestry. Our other site is up in Ballinrobe, \
                and the ward over in Kilkeel. Finance sits over in Procurement's old office.";
    a.learn_from([text]);
    assert_eq!(
        a.redact(text),
        "Three homes, one with nursing out at [CITY]. Our other site is up in [CITY], and the \
         ward over in [CITY]. Finance sits over in Procurement's old office."
    );
}

/// Towns of the gazetteer (towns.txt) are places wherever they are capitalised, in several
/// countries, with or without accents; hosting locations and competitors stay.
#[test]
fn gazetteer_towns_are_places_without_a_cue() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    for (text, expected) in [
        ("the main one is in Galway", "the main one is in [CITY]"),
        ("we're a group near Oswestry", "we're a group near [CITY]"),
        ("Ballina and Tralee share a manager.", "[CITY] and [CITY] share a manager."),
        ("Shrewsbury was the pilot.", "[CITY] was the pilot."),
        ("two homes around Wagga Wagga, one in Bendigo", "two homes around [CITY], one in [CITY]"),
        ("Nashik, Kozhikode and Łódź, or Lodz", "[CITY], [CITY] and [CITY], or [CITY]"),
        ("the Stoke-on-Trent home; Galway's rota", "the [CITY] home; [CITY]'s rota"),
        ("EU hosting in Galway, our team in Tralee", "EU hosting in Galway, our team in [CITY]"),
    ] {
        let protected = protect::Protected::default();
        assert_eq!(places::redact_cities(text, &protected), expected, "{text}");
        // Through the whole anonymizer another recognizer may claim a town first ("Wagga
        // Wagga" as a name): it must not leak either way.
        a.learn_from([text]);
        let out = a.redact(text);
        for town in ["Galway", "Oswestry", "Ballina", "Tralee", "Shrewsbury", "Wagga", "Bendigo"] {
            assert!(!out.contains(town) || text.contains("hosting in Galway"), "{out}");
        }
        for town in ["Nashik", "Kozhikode", "Łódź", "Lodz"] {
            assert!(!out.contains(town), "{out}");
        }
    }
    let toml = "[competitors]\n\"Bendigo\" = []\n";
    let aliases = Aliases::parse(std::path::Path::new("competitors.toml"), toml).unwrap();
    let protected = protect::Protected::new(&aliases);
    assert_eq!(places::redact_cities("Bendigo was cheaper", &protected), "Bendigo was cheaper");
}

/// Towns that are also ordinary words or given names are places only after a cue.
#[test]
fn towns_that_are_words_or_given_names_need_a_cue() {
    let protected = protect::Protected::default();
    for text in [
        "Reading the contract took a week.",
        "Victoria said the Mobile app was fine.",
        "Bath time, Split the bill, Orange badge, Lincoln and Chester.",
        "Sale ended in March; Hope helps; Deal closed.",
        "Anand ran the pilot with Mohan.",
        "Reading Westside",
    ] {
        assert_eq!(places::redact_cities(text, &protected), text);
    }
    assert!(
        !lexicon::TOWNS.iter().any(|town| ["Reading", "Victoria", "Mobile", "Bath"].contains(town))
    );
}

/// Property: 200 towns drawn from the list are redacted in template sentences, and no English
/// word, capitalised at the start of a sentence, is taken for a town by the gazetteer.
#[test]
fn every_listed_town_is_redacted_and_no_english_word_is() {
    let protected = protect::Protected::default();
    let towns = &*lexicon::TOWNS;
    let templates = [
        "the main one is {} and",
        "{} was where it started.",
        "We have three homes near {}, all nursing.",
        "so ({}) is the pilot",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for draw in 0..200 {
        state =
            state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let town = towns[(state >> 33) as usize % towns.len()];
        let template = templates[draw % templates.len()];
        let text = template.replace("{}", town);
        assert_eq!(
            places::redact_cities(&text, &protected),
            template.replace("{}", "[CITY]"),
            "{town}"
        );
    }
    let mut wrongly = vec![];
    for word in lexicon::word_list(include_str!("english_words.txt")) {
        let word = word.trim_end_matches('+');
        let mut chars = word.chars();
        let Some(first) = chars.next() else { continue };
        let capitalised: String = first.to_uppercase().chain(chars).collect();
        if lexicon::CITIES.contains(&capitalised.as_str()) {
            continue; // major cities that are words ("Nice", "Cork") predate the gazetteer
        }
        let text = format!("{capitalised} is what we said.");
        if places::redact_cities(&text, &protected) != text {
            wrongly.push(capitalised);
        }
    }
    assert!(wrongly.is_empty(), "English words taken for towns: {wrongly:?}");
}

/// Property: a listed town of several words that holds a given name ("Stoke-on-Trent",
/// "Newark on Trent", "Milton Keynes") is redacted whole, never left half a town around a
/// colleague's placeholder: whether the name is a CRM contact of the deal, a name another
/// recognizer reads in the same text, or neither. An account whose name holds the town is
/// still redacted as the account.
#[test]
fn towns_of_several_words_that_hold_a_name_are_redacted_whole() {
    let towns: Vec<&str> = lexicon::TOWNS
        .iter()
        .copied()
        .filter(|town| town.contains([' ', '-']))
        .filter(|town| {
            town.split([' ', '-']).skip(1).any(|word| {
                word.len() >= 4
                    && word.starts_with(char::is_uppercase)
                    && lexicon::is_given_name(word)
                    && !town.starts_with(word)
            })
        })
        .collect();
    assert!(towns.len() >= 50, "{} towns", towns.len());
    assert!(towns.contains(&"Stoke-on-Trent"));
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for draw in 0..120 {
        state =
            state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let town = towns[(state >> 33) as usize % towns.len()];
        let given = town
            .split([' ', '-'])
            .skip(1)
            .find(|word| {
                word.len() >= 4
                    && word.starts_with(char::is_uppercase)
                    && lexicon::is_given_name(word)
            })
            .expect("filtered above");
        let contact = format!("{given} Okafor");
        let contacts = vec![contact.clone()];
        let crm = KnownParties { contacts: &contacts, ..KnownParties::default() };
        let none = KnownParties::default();
        let text = format!(
            "Our biggest home is the {town} one. {given} Okafor runs it, and {town} was the pilot."
        );
        for parties in [&crm, &none] {
            let a = Anonymizer::new(parties, &Aliases::default());
            a.learn_from([text.as_str()]);
            let out = a.redact(&text);
            assert_eq!(out.matches("[CITY]").count(), 2, "draw {draw}: {text} -> {out}");
            for word in town.split([' ', '-']).filter(|word| word.len() >= 4) {
                assert!(!out.contains(word), "draw {draw}: {text} -> {out}");
            }
            assert!(!out.contains("Okafor"), "draw {draw}: {out}");
        }
    }
    let accounts = vec!["Stoke-on-Trent Care Homes Ltd"];
    let parties = KnownParties { accounts, ..KnownParties::default() };
    let a = Anonymizer::new(&parties, &Aliases::default());
    let text = "Stoke-on-Trent Care Homes runs nine homes around Stoke-on-Trent.";
    a.learn_from([text]);
    // The account's short form is the town itself, so the town reads as the account: either
    // placeholder is whole.
    assert_eq!(a.redact(text), "[ACCOUNT] runs nine homes around [ACCOUNT].");
}

/// A company introduced by its size ("X is nine aged care homes", "X is about 400 people")
/// is the buyer's account, for any name; a team or a word introduced the same way is not.
#[test]
fn a_company_introduced_by_its_size_is_an_account() {
    let names = ["Banksia Ridge", "Kilbarron House", "Tamworth Lodge Group", "Quillon", "Ashgrove"];
    let intros = [
        "So {} is nine residential aged care homes in the south-east, about eleven hundred staff.",
        "Right. {} is about 400 people across three sites.",
        "Yeah, no worries. {} is twelve stores and a warehouse.",
        "{} are 35 clinics now, mostly regional.",
    ];
    for (n, name) in names.iter().enumerate() {
        for intro in intros {
            let text = intro.replace("{}", name);
            let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
            a.learn_interview([(false, vec![text.as_str()])]);
            let out = a.redact(&text);
            let later = a.redact(&format!("We told {name} it would take a week."));
            for word in name.split(' ') {
                assert!(!out.contains(word), "{n}: {text} -> {out}");
                assert!(!later.contains(word), "{n}: {later}");
            }
        }
    }
    for text in [
        "Support is three people, honestly.",
        "Finance is twelve staff now. Price is two thousand a month.",
        "Security were four people on the call.",
    ] {
        let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
        a.learn_interview([(false, vec![text])]);
        assert_eq!(a.redact(text), text);
    }
}

/// A company named after a surname with a lower-case particle ("de Wit", "van der Berg") is
/// the buyer's account in the usual frames, even when the surname is an English word ("Wit",
/// "Dam", "Berg"); lower-case phrases after the same words stay.
#[test]
fn accounts_named_with_a_surname_particle_are_redacted() {
    for name in ["de Wit", "van Dam", "van der Berg", "de la Rosa", "ter Horst"] {
        for text in [
            "I'm the IT Manager here at {}, so anything to do with IT lands on my desk.",
            "Sure. {} runs a network of 9 dealerships and body shops.",
            "Honestly, {}'s warehouse people were the real test.",
        ] {
            let text = text.replace("{}", name);
            let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
            a.learn_interview([(false, vec![text.as_str()])]);
            let out = a.redact(&text);
            assert!(!out.contains(name), "{text} -> {out}");
            assert!(out.contains("[ACCOUNT]"), "{text} -> {out}");
        }
    }
    let text = "We went with de facto standards here at la carte pricing.";
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    a.learn_interview([(false, vec![text])]);
    assert_eq!(a.redact(text), text);
}

/// What a recognizer reads as a person is nobody when it is only an honorific ("Dr" alone),
/// and a listed city that is in no name list is a place ("Frankfurt" is not a
/// colleague; "Victoria" may be).
#[test]
fn person_findings_drop_honorifics_and_places() {
    let person = |name: &str| Some(Found::Person(name.to_string()));
    let city = |name: &str| Some(Found::Other(name.to_string(), "[CITY]"));
    assert_eq!(person_name("Dr. Brenner"), person("Dr. Brenner"));
    assert_eq!(person_name("Mr."), None);
    assert_eq!(person_name("Dr"), None);
    assert_eq!(person_name("Frankfurt"), city("Frankfurt"));
    assert_eq!(person_name("Dublin"), city("Dublin"));
    assert_eq!(person_name("Victoria"), person("Victoria"));
    assert_eq!(person_name("Mrs. Lennox"), person("Mrs. Lennox"));
    assert_eq!(person_name("Salinas"), person("Salinas"));
    assert_eq!(person_name("Jonas Weidenbach"), person("Jonas Weidenbach"));
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    a.remember(vec![Found::Person("Dr".into()), Found::Person("Dr. Brenner".into())]);
    let text = "the CFO, Dr. Brenner, signs. Dr. Ostwald too.";
    assert_eq!(a.redact_learned(text), "the CFO, Dr. [COLLEAGUE 1], signs. Dr. Ostwald too.");
}

/// A major city that is also an English word is the word when it opens a sentence ("Nice
/// question"), the city mid-sentence.
#[test]
fn cities_that_are_words_open_sentences_as_words() {
    let protected = protect::Protected::default();
    for (text, expected) in [
        (
            "Nice question. Our team in Nice liked it.",
            "Nice question. Our team in [CITY] liked it.",
        ),
        ("\"Nice,\" she said.", "\"Nice,\" she said."),
        ("We flew to Cork. Cork was cold.", "We flew to [CITY]. Cork was cold."),
    ] {
        assert_eq!(places::redact_cities(text, &protected), expected, "{text}");
    }
}

/// A competitor named by its domain stays; other web addresses do not.
#[test]
fn a_competitor_named_by_its_domain_stays() {
    let mut aliases = Aliases::default();
    aliases.add_canonical("Monday");
    aliases.add_alias("Monday", "Monday.com");
    aliases.add_canonical("Kai.io");
    let a = Anonymizer::new(&KnownParties::default(), &aliases);
    let text = "We looked at Monday.com and kai.io; our site northwind-freight.com and \
                https://monday.com/pricing were in the deck.";
    assert_eq!(
        a.redact(text),
        "We looked at Monday.com and kai.io; our site [URL] and [URL] were in the deck."
    );
}

/// A competitor written as joined words that hold a person's name ("Pay-Dex" in a deal whose
/// buyer is Dex Moreno): the person's forms are redacted everywhere but inside the competitor.
#[test]
fn a_joined_competitor_name_holding_a_persons_name_stays_whole() {
    for (given, joined) in [("Dex", "Pay-Dex"), ("Lena", "Lena-Pay"), ("Kai", "Kai.io")] {
        let contacts = vec![format!("{given} Moreno")];
        let parties = KnownParties {
            contacts: &contacts,
            rep: "Marcus Feld",
            interviewers: vec!["Dana Whitfield"],
            ..KnownParties::default()
        };
        let mut aliases = Aliases::default();
        aliases.add_canonical("Rival");
        aliases.add_alias("Rival", joined);
        let a = Anonymizer::new(&parties, &aliases);
        let text = format!("We went with {joined}. {joined}'s team called {given} twice.");
        a.learn_from([text.as_str()]);
        let out = a.redact(&text);
        assert_eq!(
            out,
            format!("We went with {joined}. {joined}'s team called [BUYER] twice."),
            "{joined}"
        );
    }
}

/// Names with no CRM row that the lists cannot settle, each a class: a nickname said in a
/// nickname frame, even an English word or one a letter from a competitor's alias
/// ("calls him Nacho", "Venky" beside the alias "Vendy"); a word one letter from a competitor
/// where a person is talked about; a hyphenated given name whose head is an English word
/// ("Young-ho"); an English-word surname right after a person already redacted.
#[test]
fn names_the_lists_cannot_settle_are_read_from_how_people_are_talked_about() {
    let mut aliases = Aliases::default();
    aliases.add_canonical("Vendora");
    aliases.add_alias("Vendora", "Vendy");
    aliases.add_canonical("Quillstack");
    let contacts = vec!["Rania Haddad".to_string()];
    let parties = KnownParties { contacts: &contacts, ..KnownParties::default() };
    for (nickname, frame) in [
        ("Venky", "Everyone calls him {}, by the way, nobody uses his full name."),
        ("Nacho", "Everyone calls him {}, by the way, nobody uses his full name."),
        ("Bear", "Our CFO goes by {}, and he signs everything."),
        ("Will", "We just call her {}, she ran the pilot."),
        ("Venky", "{} asked the hardest questions. He sat in on every demo."),
        ("Young-ho", "{} pushed really hard for a signature. He kept calling."),
        ("Seung-woo", "To be blunt, {} didn't really get our business. He kept pitching."),
        ("Kyung-ah", "I liked {}. She never pushed us."),
        ("Young-ho", "We had three people from Vendora in two months. {} was the last one."),
    ] {
        let a = Anonymizer::new(&parties, &aliases);
        let text = frame.replace("{}", nickname);
        a.learn_interview([(false, vec![text.as_str()])]);
        let out = a.redact(&text);
        assert!(!out.contains(nickname), "{text} -> {out}");
        assert!(out.contains("[COLLEAGUE 1]"), "{text} -> {out}");
    }
    for (surname, text) in [
        ("Fang", "Right, so Zihan Fang did the reference calls, she's very thorough."),
        ("Young", "Then Valeria Young took it to the board."),
    ] {
        let a = Anonymizer::new(&parties, &aliases);
        a.learn_interview([(false, vec![text])]);
        let out = a.redact(text);
        assert!(!out.contains(surname), "{text} -> {out}");
    }
    // What must stay: the competitors (exact and misspelled, with a pronoun near), English
    // compounds, a word after a placeholder that starts a clause.
    for text in [
        "Vendy pushed a discount. He was pushy about it.",
        "We looked at Vendora and Quilstack. She preferred Vendorra.",
        "The Follow-up was slow. He never sent the Sign-off either.",
        "Long-term, she said, the Built-in reports matter most.",
        "Everyone calls it the Vendy tax, she said.",
        "Obrigado! Tschüss, and bonne journée. Gracias, Shukriya, Asante.",
    ] {
        let a = Anonymizer::new(&parties, &aliases);
        a.learn_interview([(false, vec![text])]);
        assert_eq!(a.redact(text), text);
    }
    let a = Anonymizer::new(&parties, &aliases);
    assert_eq!(
        a.redact("I told Rania Haddad The rest was fine."),
        "I told [BUYER] The rest was fine."
    );
    // Whatever recognizer took a greeting of another language for a name, it names nobody.
    for greeting in ["Obrigado", "Tschüss!", "bonne journée", "Shukriya,"] {
        assert!(person_name(greeting).is_none(), "{greeting}");
    }
    assert!(matches!(person_name("Kiitos Virtanen"), Some(Found::Person(_))));
}

/// A professional firm's account name: its brand is redacted in every form, the words of its
/// trade are not ("Advisory project budgets", "chartered accountants").
#[test]
fn the_trade_words_of_a_professional_firms_name_stay() {
    for (account, brand, trade) in [
        ("Highveld Advisory Group", "Highveld", "Advisory project budgets ran over."),
        ("Ashgrove Chartered Accountants", "Ashgrove", "Chartered Accountants need it too."),
        ("Marlow Byrne Solicitors LLP", "Marlow Byrne", "Solicitors bill by the hour."),
        ("Kinsale Tax & Bookkeeping", "Kinsale", "Tax season is our peak."),
    ] {
        let parties = KnownParties { accounts: vec![account], ..KnownParties::default() };
        let a = Anonymizer::new(&parties, &Aliases::default());
        let text = format!("At {brand} we did it. {trade}");
        assert_eq!(a.redact(&text), format!("At [ACCOUNT] we did it. {trade}"), "{account}");
    }
}

/// An honorific after a name stays outside the placeholder, as a title before one does:
/// "Nakamura-san" is "[COLLEAGUE n]-san", "Fatma Hanım" is "[COLLEAGUE n] Hanım".
#[test]
fn honorifics_after_a_name_stay_outside_the_placeholder() {
    // As the tagger finds them: the span holds the honorific.
    for (name, text, kept) in [
        ("Nakamura-san", "We ran it past Nakamura-san, who has been here longer.", "-san,"),
        ("Kim-ssi", "Then Kim-ssi signed it.", "-ssi signed"),
        ("Fatma Hanım", "We ran it past Fatma Hanım, who has been here longer.", " Hanım,"),
        ("Mehmet Bey", "Mehmet Bey was not impressed.", " Bey was"),
    ] {
        let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
        a.remember(vec![Found::Person(name.to_string())]);
        let out = a.redact(text);
        assert!(out.contains(&format!("[COLLEAGUE 1]{kept}")), "{text} -> {out}");
    }
    assert_eq!(people::person_forms("Nakamura-san"), ["Nakamura"]);
    assert_eq!(people::person_forms("Fatma Hanım")[0], "Fatma");
    // A surname that is an honorific elsewhere stays part of the name.
    assert_eq!(people::person_forms("Wei Pan")[0], "Wei Pan");
}

/// Property: every town whose name is an English word is a place after a location cue or a
/// place preposition ("a gentleman in Centurion", "just out of Gore"); departments, plans and
/// stages after the same cues stay words.
#[test]
fn towns_that_are_english_words_are_places_after_a_cue() {
    let protected = protect::Protected::default();
    let towns = &*lexicon::WORD_TOWNS;
    assert!(towns.len() > 250, "{}", towns.len());
    for town in towns.iter() {
        for template in ["Our depot in {} closed.", "We're based in {}, up the valley."] {
            let text = template.replace("{}", town);
            let found = places::cued_places(&text, &protected);
            assert_eq!(found, vec![town.to_string()], "{text}");
        }
        for template in ["We had a gentleman in {} who ran it.", "It's just out of {}, sheep."] {
            let text = template.replace("{}", town);
            let found = places::cued_places(&text, &protected);
            assert_eq!(found, vec![town.to_string()], "{text}");
        }
    }
    for word in [
        "Sales",
        "Finance",
        "Marketing",
        "Operations",
        "Procurement",
        "Legal",
        "Support",
        "Engineering",
        "Enterprise",
        "Progress",
        "Production",
        "Mobile",
        "Central",
        "Beta",
        "Revit",
        "Excel",
        "Discovery",
        "Security",
        "Compliance",
        "March",
        "Summit",
    ] {
        for text in [
            format!("Our team in {word} liked it."),
            format!("We were stuck in {word} for months."),
            format!("The people in {word} pushed back."),
        ] {
            let found = places::cued_places(&text, &protected);
            assert!(found.is_empty() || word == "Revit", "{text}: {found:?}");
        }
    }
}

/// A greeting whose first word is a given name names nobody ("Kia ora", "Salam alaikum").
#[test]
fn a_name_inside_a_greeting_is_not_a_person() {
    let a = anonymizer();
    let text = "Kia ora, thanks for having me. Salam alaikum to the team.";
    a.learn_from([text]);
    assert_eq!(a.redact(text), text);
}

/// Property: a name that is an ordinary word ("Mercy", "Honey", "June", "Blessing") is a
/// person when it is set apart with a role and picked up as one; interjections and
/// departments in the same frames stay.
#[test]
fn ordinary_word_names_set_apart_with_a_role_are_people() {
    let frames = [
        "It broke twice. {}, the clerk at the co-op, she had to write it all again.",
        "{}, she is our document controller, she checked every line.",
        "But {}, our bookkeeper, said the clerk would not cope.",
        "And {} from HSE, because they also wanted the permits in it.",
        "{} Street, she's our financial controller, signed it.",
        "Early days. {}, our store manager at the mall, ran the pilot.",
        "It works. And {}, one of his AP clerks, tested it.",
        "Anyone else?\n{}, from IT. He did the testing.",
        "For the main plant {} garu, the plant head, decided.",
        "Who signs? {} is Marcus Thibodeaux, he owns it.",
        "And {}, that's Tanisha Boudreaux, she's our head bartender.",
        "Then {}'s our fry cook, Darnell Fontenot. Great guy.",
    ];
    for name in ["Mercy", "Honey", "Dawn", "Rose", "June", "Blessing", "Precious", "Memory"] {
        for frame in frames {
            let text = frame.replace("{}", name);
            let a = anonymizer();
            a.learn_from([text.as_str()]);
            let out = a.redact(&text);
            assert!(!out.contains(name), "{text} -> {out}");
            assert!(out.contains("[COLLEAGUE"), "{text} -> {out}");
        }
    }
    for text in [
        "Look, our CEO had the final say, she signed it.",
        "Honestly, the CFO at the time, she was against it.",
        "Finance, our biggest critic, said no.",
        "So, she is our controller now, she signed.",
        "Well, our bookkeeper, bless her, did it by hand.",
        "Help from IT was slow.",
        "Morning sir, thanks for the time. Yes sir. Okay ma'am.",
    ] {
        let a = anonymizer();
        a.learn_from([text]);
        assert_eq!(a.redact(text), text);
    }
    // A pronoun before a full name is nobody's nickname.
    let text = "He is Marcus Thibodeaux, he owns it. This is Dana Whitfield, she signs.";
    let a = anonymizer();
    a.learn_from([text]);
    let out = a.redact(text);
    assert!(out.starts_with("He is [") && out.contains(". This is ["), "{out}");
}

/// Holidays and festivals are never people; titles of many languages stay outside the
/// placeholder ("Frau Mag. [COLLEAGUE 1]"); a greeting before a name is not part of it.
#[test]
fn holidays_titles_and_greetings_around_names() {
    let text = "We decided after Ramadan, before Easter and Tết, after Kurban Bayram. She agreed.";
    let a = anonymizer();
    a.learn_from([text]);
    assert_eq!(a.redact(text), text);
    // Holidays that are names too stay names where no word of time comes before them.
    let text = "Ramadan Hassan runs our warehouse, with Bayram Yilmaz.";
    let a = anonymizer();
    a.learn_from([text]);
    let out = a.redact(text);
    for name in ["Ramadan", "Hassan", "Bayram", "Yilmaz"] {
        assert!(!out.contains(name), "{out}");
    }
    let text = "Ing. Kovač started it, with Frau Mag. Huber, Alhaji Musa and Mallam Sani.";
    let a = anonymizer();
    a.learn_from([text]);
    let out = a.redact(text);
    for kept in
        ["Ing. [COLLEAGUE", "Frau Mag. [COLLEAGUE", "Alhaji [COLLEAGUE", "Mallam [COLLEAGUE"]
    {
        assert!(out.contains(kept), "{out}");
    }
    for name in ["Kovač", "Huber", "Musa", "Sani"] {
        assert!(!out.contains(name), "{out}");
    }
    assert_eq!(person_name("Bonjour Marie-Ève"), Some(Found::Person("Marie-Ève".into())));
    assert_eq!(person_name("Bonjour"), None);
    assert_eq!(person_name("Mag."), None);
}

/// A word in no list after an article, a possessive or "in" is a thing ("her Totvs", "close
/// in Totvs"), even with a pronoun near; a tool inside a hyphenated name ("M-Pesa") is no
/// person either.
#[test]
fn things_and_tools_are_not_people() {
    for text in [
        "She asked who answers when the payment doesn't close in Totvs at month end.",
        "She was touching her Totvs. It was the Totvs, she said.",
        "She said farmers want M-Pesa, and she was right.",
    ] {
        let a = anonymizer();
        a.learn_from([text]);
        assert_eq!(a.redact(text), text);
    }
    assert!(lexicon::is_vendor_at("paid through M-Pesa today", 15, 19));
    assert!(!lexicon::is_vendor_at("paid through Pesaro today", 13, 17));
}

/// A form learned without accents is redacted with them, and the other way round ("Kahu
/// Ridge" asked, "Kāhu Ridge" answered); a fold that makes an English word ("Cần" -> "Can")
/// is matched only as written.
#[test]
fn learned_forms_match_however_they_are_accented() {
    let mut terms = text::Terms::default();
    terms.add("Kahu Ridge", "[ACCOUNT]", false);
    terms.add("Gonçalves", "[COLLEAGUE 1]", false);
    terms.add("Cần", "[CITY]", false);
    terms.rebuild();
    assert_eq!(
        terms.redact("Kāhu Ridge, Kahu Ridge, Goncalves and Gonçalves. Can we? Cần Thơ."),
        "[ACCOUNT], [ACCOUNT], [COLLEAGUE 1] and [COLLEAGUE 1]. Can we? [CITY] Thơ."
    );
}

/// An organisation named with ordinary words, capitalised together in its frame, is the
/// account ("Rift Valley Grain, we are aggregators"; "in English it is Red River
/// Construction"); departments in the same frames are not.
#[test]
fn accounts_named_with_ordinary_words() {
    for (text, name) in [
        ("Rift Valley Grain, we are aggregators. We buy maize.", "Rift Valley Grain"),
        ("Our company is Sông Hồng, in English it is Red River Construction.", "Red River"),
        ("Our cooperative is called Blue Gum Growers, about forty farms.", "Blue Gum"),
    ] {
        let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
        a.learn_interview([(false, vec![text])]);
        let out = a.redact(text);
        assert!(!out.contains(name), "{text} -> {out}");
        assert!(out.contains("[ACCOUNT]"), "{text} -> {out}");
    }
    for text in ["Customer Success, we are the ones who pay.", "Head Office, that's us now."] {
        let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
        a.learn_interview([(false, vec![text])]);
        assert_eq!(a.redact(text), text);
    }
}

/// "It came down to X and Y" is a choice between vendors, not a trip to a town; "he came
/// down to Ballarat" is a trip.
#[test]
fn a_choice_that_came_down_to_two_vendors_is_no_place() {
    let protected = protect::Protected::default();
    let choice = "So it came down to Billora and Kite. Everything came down to Quorvane.";
    assert!(places::cued_places(choice, &protected).is_empty());
    let trip = "Their rep came down to Ballarat twice.";
    assert_eq!(places::cued_places(trip, &protected), ["Ballarat"]);
}

/// The short form of a listed "X City" is the town too ("near Cabanatuan"), not a word, a
/// given name or a country ("Mexico City" leaves "Mexico").
#[test]
fn short_forms_of_city_names_are_places() {
    let protected = protect::Protected::default();
    assert_eq!(
        places::redact_cities("It's rice, near Cabanatuan, and we ship to Mexico.", &protected),
        "It's rice, near [CITY], and we ship to Mexico."
    );
}

/// Raw automatic captions have no capitals: listed names and towns get theirs back before the
/// recognizers read the interview ("vikram from billora he was very good", "one in hosur"), so
/// names nobody listed are found as in any transcript; ordinary words stay lower case.
#[test]
fn caseless_captions_get_the_capitals_of_listed_names_back() {
    let filler = "yeah so um we looked at a few tools and the main thing was the approval flow \
                  and the ocr and honestly the price was okay but the support was slow ";
    let turns: Vec<String> = [
        "so we have two plants one in hosur that's the main one i am the finance controller",
        "and for the hosur plant srinivas garu the plant head he signed off",
        "also vikram from the other side he was very good he always called back",
        "the it guy manjunath he just asked where is the data stored",
        "thanks for joining um as i mentioned i'm robin i'm doing these interviews",
    ]
    .iter()
    .map(|turn| format!("{filler}{turn}"))
    .collect();
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    a.learn_interview(turns.iter().map(|turn| (false, vec![turn.as_str()])));
    let out: Vec<String> = turns.iter().map(|turn| a.redact(turn)).collect();
    let all = out.join(" ").to_lowercase();
    for name in ["hosur", "srinivas", "vikram", "manjunath", "robin"] {
        assert!(!all.contains(name), "{name}: {all}");
    }
    assert!(out[0].contains("the approval flow and the ocr"), "{}", out[0]);
    assert!(out[0].contains("I am the finance controller"), "{}", out[0]);
    // A transcript with capitals is read as written.
    assert!(!text::is_caseless(["We met Vikram in Hosur. He was great, and the plant is big."]));
}

/// An organisation's initials said beside its name are the organisation ("Straits Harbour
/// Logistics, SHL, we do third-party logistics").
#[test]
fn an_accounts_initials_are_the_account() {
    let text = "Straits Harbour Logistics, SHL, we do third-party logistics. SHL has forty trucks.";
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    a.learn_interview([(false, vec![text])]);
    let out = a.redact(text);
    assert!(!out.contains("SHL") && !out.contains("Straits"), "{out}");
    assert_eq!(a.redact("Tell me about Straits Harbour?"), "Tell me about [ACCOUNT]?");
    // Initials in apposition make the name before them an organisation, in any frame.
    let text = "Transportes Cordillera Sur, TCS, that's what's painted on the trucks.";
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    a.learn_interview([(false, vec![text])]);
    let out = a.redact(text);
    assert!(!out.contains("TCS") && !out.contains("Cordillera"), "{out}");
}

/// Towns named after a date ("Sixth of October City") are towns, whole.
#[test]
fn towns_named_after_a_date() {
    let a = anonymizer();
    let text = "The factory is in 10th of Ramadan City, the warehouse is in Sixth of October City.";
    a.learn_from([text]);
    assert_eq!(a.redact(text), "The factory is in [CITY], the warehouse is in [CITY].");
    assert_eq!(a.redact("We close during Ramadan."), "We close during Ramadan.");
}
/// A town that is an English word, once learned for a deal, is redacted with its capital only:
/// the word stays a word ("reading the contract", "little hope").
#[test]
fn a_learned_word_town_leaves_the_word_alone() {
    let a = anonymizer();
    a.learn_from(["Our depot in Reading closed. We're based in Hope, up the valley."]);
    assert_eq!(
        a.redact("I was reading the contract, with little hope. Reading is small."),
        "I was reading the contract, with little hope. [CITY] is small."
    );
}

/// Holidays of other markets, techniques named after people, family words and greetings are
/// nobody: "On Joe Cain Day", "the Buchholz relay", "Mummy said", "Gamarjoba, Giorgi".
#[test]
fn holidays_eponyms_and_family_words_name_nobody() {
    for text in [
        "On Joe Cain Day the whole street closes. She told me so.",
        "We stop for Sinterklaas and Ferragosto. He agreed.",
        "The Buchholz relay tripped, and the Pareto chart showed it. She knew.",
        "Mummy ran the till before me. She was strict.",
        "Right before Mardi Gras we switched. She was happy.",
    ] {
        let a = anonymizer();
        a.learn_from([text]);
        assert_eq!(a.redact(text), text);
    }
    let text = "Giorgi Beridze runs it. Gamarjoba, Giorgi said, every morning.";
    let a = anonymizer();
    a.learn_from([text]);
    let out = a.redact(text);
    assert!(out.contains("Gamarjoba") && !out.contains("Giorgi"), "{out}");
}

/// A list that names a competitor is a list of vendors, even when a competitor is also a town
/// ("Beaumont"): the seller's own name beside it stays.
#[test]
fn a_list_of_vendors_is_no_list_of_towns() {
    let mut aliases = Aliases::default();
    aliases.add_canonical("Beaumont");
    aliases.add_canonical("Spendwise");
    let a = Anonymizer::new(&KnownParties::default(), &aliases);
    let text = "Three, in the end. Orderbright, Spendwise and Beaumont. I run finance at Otavalo, I've been there.";
    a.learn_from([text]);
    let out = a.redact(text);
    assert!(out.contains("Orderbright, Spendwise and Beaumont"), "{out}");
    assert!(out.contains("I've been there"), "{out}");
}

/// A competitor written in two words ("Tian Lu" for "Tianlu") keeps both, though "Lu" is a
/// surname: a word of a protected name written in two is protected.
#[test]
fn a_competitor_written_in_two_words_stays_whole() {
    let mut aliases = Aliases::default();
    aliases.add_canonical("Tianlu");
    aliases.add_alias("Tianlu", "Tian Lu");
    let a = Anonymizer::new(&KnownParties::default(), &aliases);
    let text = "But Tian Lu, sorry, Tianlu, was cheaper. Lu Wei, our engineer, said so.";
    a.learn_from([text]);
    let out = a.redact(text);
    assert!(out.starts_with("But Tian Lu, sorry, Tianlu"), "{out}");
    assert!(!out.contains("Lu Wei"), "{out}");
}

#[test]
fn logistics_markets_plates_sister_companies_and_field_roles() {
    let parties = KnownParties {
        accounts: vec![
            "Philippine Lamig Express Inc.",
            "Van der Merwe Dlamini Cold Freight (Pty) Ltd",
        ],
        ..KnownParties::default()
    };
    let a = Anonymizer::new(&parties, &Aliases::default());
    for (text, want) in [
        // An account's initials with its legal form.
        ("[REP] made the difference for PLEI.", "[REP] made the difference for [ACCOUNT]."),
        // A surname's particle from an account's name alone is nobody.
        ("a reefer alarm going up Van Reenen's Pass", "a reefer alarm going up Van Reenen's Pass"),
        (
            "the sister company, Dala Agro Haulage, shares the same yard.",
            "the sister company, [ACCOUNT], shares the same yard.",
        ),
        (
            "We tested on our truck 3-A 48213 AA, the driver Abebe took it all the way.",
            "We tested on our truck [ID], the driver [COLLEAGUE 1] took it all the way.",
        ),
        ("depot near the Ngara stage, and", "depot near the [CITY] stage, and"),
        // Countries of two words, products in CamelCase, interjections: nobody.
        (
            "If you want Kerala, you must do Sri Lanka and the Maldives.",
            "If you want Kerala, you must do Sri Lanka and the Maldives.",
        ),
        ("ColdWatch is excellent. The alarms work.", "ColdWatch is excellent. The alarms work."),
        (
            "Arre, call me Bhavesh-bhai, everybody does.",
            "Arre, call me [COLLEAGUE 2], everybody does.",
        ),
    ] {
        assert_eq!(a.redact(text), want, "{text}");
    }
}

#[test]
fn a_country_of_two_words_keeps_its_words_from_listed_names() {
    let contacts = vec!["Sri Devi Rao".to_string(), "Costa Mavros".to_string()];
    let parties = KnownParties {
        contacts: &contacts,
        accounts: vec!["Ghana Frozen Link Ltd"],
        ..KnownParties::default()
    };
    let a = Anonymizer::new(&parties, &Aliases::default());
    assert_eq!(
        a.redact("Sri said no Sri Lanka Customs formats; Costa liked Costa Rica. Ghana Frozen Link invoices from outside Ghana."),
        "[BUYER] said no Sri Lanka Customs formats; [COLLEAGUE 1] liked Costa Rica. [ACCOUNT] invoices from outside Ghana."
    );
}

#[test]
fn a_list_read_before_its_town_was_learned_is_read_again() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let list = "Seven sites, Rancate, Genestrerio, Ligornetto and others.";
    a.learn_interview([
        (false, vec![list]),
        (false, vec!["The head office moved to Rancate last year."]),
    ]);
    assert_eq!(a.redact_learned(list), "Seven sites, [CITY], [CITY], [CITY] and others.");
}

#[test]
fn towns_from_one_place_to_others() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    assert_eq!(
        a.redact("about eleven thousand pupils, from Silkeborg town out to Kjellerup, Gjern, Ry and Them."),
        "about eleven thousand pupils, from [CITY] town out to [CITY], [CITY], [CITY] and [CITY]."
    );
    // Tools, competitors' names and days are no towns.
    for text in [
        "we moved from Excel to Quickbooks last year",
        "open from Monday to Friday",
        "we went from Pilot to Production in a month",
    ] {
        assert_eq!(a.redact(text), text);
    }
}

#[test]
fn clinic_markets_districts_vat_numbers_initials_regions_and_holidays() {
    let contacts = vec!["Jean-François Côté".to_string(), "Marie-Ève Tremblay".to_string()];
    let parties = KnownParties { contacts: &contacts, ..KnownParties::default() };
    let a = Anonymizer::new(&parties, &Aliases::default());
    for (text, want) in [
        // Hyphenated given names said by their initials.
        (
            "J-F, he's our coordinator, and M-E signed.",
            "[BUYER], he's our coordinator, and [COLLEAGUE 1] signed.",
        ),
        // Initials are matched in capitals only, even after a cue.
        ("Tell me about it; ME said so.", "Tell me about it; [COLLEAGUE 1] said so."),
        // Korean and Japanese districts, streets and wards by their suffix.
        (
            "the main one near Hwagok-dong, close to Yeoksam-ro, and one in Nerima-ku.",
            "the main one near [CITY], close to [CITY], and one in [CITY].",
        ),
        // A VAT number with and without its cue.
        (
            "the contract needed our UID number, ATU12345678, twice",
            "the contract needed our UID number, [ID], twice",
        ),
        ("invoices to DE987654321 only", "invoices to [ID] only"),
        // A branch on an island, one clinic in a district nobody listed.
        (
            "and a small branch on Tjøme. Five dentists.",
            "and a small branch on [CITY]. Five dentists.",
        ),
        (
            "two clinics, and one in Sangdaewon, in the east.",
            "two clinics, and one in [CITY], in the east.",
        ),
    ] {
        assert_eq!(a.redact(text), want, "{text}");
    }
    // Regions, countries said short, holidays and greetings of these markets: nobody.
    for text in [
        "in Quebec physio, and maybe a reference in Ontario or Saxony-Anhalt.",
        "We are in Styria. Our peers in Tamil Nadu and Gyeonggi-do agree.",
        "nine aged care homes in south-east Queensland and one in northern Bavaria.",
        "Molarity has clinics in Korea and Taiwan.",
        "Right before Kurban Bayramı, and before the end of Ramadan.",
        "it didn't know Boże Ciało, Corpus Christi, or Saint-Jean-Baptiste.",
        "Gerne. Yalla, bye. Rica ederim.",
        "claims to the kupot, Clalit and Maccabi, and to e-Nabız, and the kennitala field.",
    ] {
        assert_eq!(a.redact(text), text);
    }
}

#[test]
fn a_short_form_spells_its_name_and_a_greeting_is_no_part_of_one() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let turns = [
        "Okay. Tae-Yang Bright Dental, internally we just say TYBD, we are four clinics.",
        "Hej Sigrun, thanks for joining.",
        "Grace, the sales person, she sent a test message while we talked.",
    ];
    a.learn_interview([
        (true, vec!["Could you describe the clinic?"]),
        (false, vec![turns[0]]),
        (true, vec![turns[1]]),
        (false, vec![turns[2]]),
    ]);
    assert_eq!(
        a.redact_learned(turns[0]),
        "Okay. [ACCOUNT], internally we just say [ACCOUNT], we are four clinics."
    );
    assert!(
        a.redact_learned(turns[1]).starts_with("Hej [COLLEAGUE"),
        "{}",
        a.redact_learned(turns[1])
    );
    assert!(a.redact_learned(turns[2]).starts_with("[COLLEAGUE"), "{}", a.redact_learned(turns[2]));
    // Initials of ordinary words spell no company.
    assert!(orgs::spelled_by("The Human Resources team, we just say HR.", "HR").is_empty());
}

#[test]
fn law_markets_titles_short_forms_and_the_sellers_word_beside_a_name() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let turns = [
        "So we're Tautua Legal Chambers. TL Law, most people say.",
        "Rose, our graduate, she did the matter intake.",
        "We call her la Dottoressa, even if we are all dottori.",
        "Jërëjëf. Mahalo. We speak Wolof and Catalan, and the notaries' college asked.",
    ];
    a.learn_interview([
        (true, vec!["Tell me about the firm."]),
        (false, vec![turns[0]]),
        (false, vec![turns[1]]),
        (false, vec![turns[2]]),
        (false, vec![turns[3]]),
    ]);
    assert_eq!(a.redact_learned(turns[0]), "So we're [ACCOUNT]. [ACCOUNT], most people say.");
    assert!(a.redact_learned(turns[1]).starts_with("[COLLEAGUE"), "{}", a.redact_learned(turns[1]));
    assert_eq!(a.redact_learned(turns[2]), turns[2]);
    assert_eq!(a.redact_learned(turns[3]), turns[3]);
}

#[test]
fn venues_named_by_their_noun_or_the_interviewers_question_are_accounts() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let turns = [
        "Then we bought the Railway Hotel three years ago, and a bottle shop.",
        "Aye. So the Copper Kettle is a wee café and bakery by the harbour.",
        "In summer we open the little one, we call it the Island Anchor, it's seasonal.",
        "Our first shop was Farmacia Santa Lucía de Miraflores, then two more.",
        "The Clinic team and the Pension Fund liked the Dental Clinic module.",
        "Just that the Cameroon Bar Council is pushing firms to go digital.",
        "Tell me about the RFP process. Tell me about RFP. And the Security Review?",
    ];
    a.learn_interview([
        (true, vec!["Tell me a bit about the Copper Kettle."]),
        (false, vec![turns[0]]),
        (false, vec![turns[1]]),
        (false, vec![turns[2]]),
        (false, vec![turns[3]]),
        (false, vec![turns[4]]),
        (false, vec![turns[5]]),
        (true, vec![turns[6]]),
    ]);
    assert_eq!(
        a.redact_learned(turns[0]),
        "Then we bought the [ACCOUNT] three years ago, and a bottle shop."
    );
    assert_eq!(
        a.redact_learned(turns[1]),
        "Aye. So the [ACCOUNT] is a wee café and bakery by the harbour."
    );
    assert!(
        !a.redact_learned(turns[2]).contains("Island Anchor"),
        "{}",
        a.redact_learned(turns[2])
    );
    assert!(!a.redact_learned(turns[3]).contains("Lucía"), "{}", a.redact_learned(turns[3]));
    // A noun English also puts first, and generic words before a venue's noun, name nothing.
    assert_eq!(a.redact_learned(turns[4]), turns[4]);
    assert_eq!(a.redact_learned(turns[5]), turns[5]);
    assert_eq!(a.redact_learned(turns[6]), turns[6]);
}

#[test]
fn place_continuations_spoken_codes_prefixed_postcodes_and_honorific_initials() {
    let scope = Scope::default();
    assert_eq!(
        gazetteer::absorb_adjacent_parts(
            &scope,
            "We opened in [CITY] Normal in 2016, near [CITY] The thing, [CITY] Texas, [CITY] Monday, [CITY] Cup day"
        ),
        "We opened in [CITY] in 2016, near [CITY] The thing, [CITY] Texas, [CITY] Monday, [CITY] Cup day"
    );
    // A nationality right after a person is their surname.
    assert_eq!(
        gazetteer::absorb_adjacent_parts(&scope, "[COLLEAGUE 14] Moldovan, the IT people said"),
        "[COLLEAGUE 14], the IT people said"
    );
    assert_eq!(
        contact::redact_contacts("[CITY] Texas seven five four six zero and the permit"),
        "[CITY] Texas [ID] and the permit"
    );
    assert_eq!(
        contact::redact_contacts("one two three four five, we counted"),
        "one two three four five, we counted"
    );
    assert_eq!(
        contact::redact_addresses("Mail goes to N-4471, [CITY]. Or D-80331 München.", |_| false),
        "Mail goes to [ADDRESS], [CITY]. Or [ADDRESS] München."
    );
    assert_eq!(
        contact::redact_addresses("The X-1000 and the D-1234 form.", |_| false),
        "The X-1000 and the D-1234 form."
    );
    assert_eq!(
        people::redact_honorific_initials(
            "Mrs G owns the lot. Ask Dr. K. about it. Dr. I think so."
        ),
        "Mrs [NAME] owns the lot. Ask Dr. [NAME]. about it. Dr. I think so."
    );
}

#[test]
fn festivals_nationalities_and_lower_case_words_of_other_scripts_are_no_names() {
    let contacts = vec!["Marko Ilić".to_string()];
    let parties = KnownParties { contacts: &contacts, ..KnownParties::default() };
    let a = Anonymizer::new(&parties, &Aliases::default());
    let turns = [
        "He says it will be ready before Gran Poder, in May. During Gran Poder nobody works.",
        "During Inti Raymi he stayed for the festival, and she wished us a happy Kurban Bajram.",
        "If we don't sign before Jāņi, we sign in August. Before Jāņi, the Latvian midsummer.",
        "The Moldovan reimbursement is newer, and the Albanian team writes in Cyrillic.",
        "During Marko's visit Marko showed the expiry module.",
        "We waited for Marko, in June he finally signed.",
    ];
    a.learn_interview(turns.iter().map(|turn| (false, vec![*turn])));
    for turn in &turns[..4] {
        assert_eq!(a.redact_learned(turn), *turn);
    }
    for turn in &turns[4..] {
        assert!(!a.redact_learned(turn).contains("Marko"), "{}", a.redact_learned(turn));
    }
    assert_eq!(
        text::redact_other_scripts(
            "Our pharmacist said ово није у реду to Марко Петровић, right there in the meeting.",
            |_| false
        ),
        "Our pharmacist said ово није у реду to [NAME], right there in the meeting."
    );
    // Georgian writes names in the same letters as other words: the whole run goes.
    assert_eq!(
        text::redact_other_scripts(
            "My name in Georgian letters, გიორგი ბერიძე, same number.",
            |_| false
        ),
        "My name in Georgian letters, [NAME], same number."
    );
}

#[test]
fn inflected_names_licence_codes_spoken_phones_and_named_neighbourhoods() {
    let contacts = vec!["Szabó Ilona".to_string(), "Rūta Kazlauskas".to_string()];
    let parties = KnownParties { contacts: &contacts, ..KnownParties::default() };
    let a = Anonymizer::new(&parties, &Aliases::default());
    let out = a.redact("The one Szabóné used, and Kazlauskienė and Kazlauskaitė too.");
    assert!(!out.contains("Szab") && !out.contains("Kazlausk"), "{out}");
    assert_eq!(people::person_forms("Tsvetan doesn"), vec!["Tsvetan".to_string()]);
    assert_eq!(
        contact::redact_contacts("the engedély, number 19-0417-PA, has the branch on it"),
        "the engedély, number [ID], has the branch on it"
    );
    assert_eq!(
        contact::redact_contacts("Our establishment code is 0012473, if you need it."),
        "Our establishment code is [ID], if you need it."
    );
    assert_eq!(
        contact::redact_contacts(
            "the pharmacy number is zero five eight six hundred two fourteen or"
        ),
        "the pharmacy number is [PHONE] or"
    );
    for kept in ["we paid two hundred fifty three thousand", "one two three four five six, go"] {
        assert_eq!(contact::redact_contacts(kept), kept);
    }
    let b = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let turns = [
        "So, Farmacias Kantuta, we have four pharmacies.",
        "One is open nonstop, in the Favorit neighbourhood, it cannot close.",
    ];
    b.learn_interview(turns.iter().map(|turn| (false, vec![*turn])));
    assert!(!b.redact_learned(turns[0]).contains("Kantuta"), "{}", b.redact_learned(turns[0]));
    assert!(!b.redact_learned(turns[1]).contains("Favorit"), "{}", b.redact_learned(turns[1]));
}

#[test]
fn gulf_addresses_tickets_registrations_calendars_and_particle_initials() {
    let redacted =
        |text: &str| contact::redact_addresses(&contact::redact_contacts(text), |_| false);
    assert_eq!(
        redacted("Building 7731, Road 2416, Block 4 and Block H, and Way 3013."),
        "[ADDRESS], [ADDRESS], [ADDRESS] and [ADDRESS], and [ADDRESS]."
    );
    assert_eq!(
        redacted("a work order, WO-118734, and ISO-27001 and IEC-62443 stay"),
        "a work order, [ID], and ISO-27001 and IEC-62443 stay"
    );
    assert_eq!(
        redacted("our Iban bh67 Bmag 0000 1299 1234 56 the transfer"),
        "our Iban [ID] the transfer"
    );
    assert_eq!(
        redacted("our cr is 118274-1 and the VAT 300518273600003 and the short code JRWA3381."),
        "our cr is [ID] and the VAT [ID] and the short code [ID]."
    );
    for word in ["Gregorian", "Esfand", "Farvardin", "Muharram", "Yalda"] {
        assert!(lexicon::is_calendar_word(&word.to_lowercase()), "{word}");
    }
    assert!(lexicon::is_nationality("sorani"));
    let scope = Scope::default();
    assert_eq!(
        gazetteer::absorb_adjacent_parts(
            &scope,
            "Then [CITY] Municipality came, and [CITY] Police"
        ),
        "Then [CITY] Municipality came, and [CITY] Police"
    );
    let contacts = vec!["Khalid Al Fuhaid".to_string()];
    let parties = KnownParties {
        contacts: &contacts,
        accounts: vec!["Al Fuhaid Hospitality Company"],
        ..KnownParties::default()
    };
    let a = Anonymizer::new(&parties, &Aliases::default());
    assert_eq!(
        a.redact("In the industry you'll hear AFHC."),
        "In the industry you'll hear [ACCOUNT]."
    );
    let short = "People say Tihama FM, the government side writes TIFM.";
    a.learn_interview([(false, vec![short])]);
    assert!(!a.redact_learned(short).contains("TIFM"), "{}", a.redact_learned(short));
    let b = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let turn = "The Bakheet Group runs SAP for everything, we are a family group.";
    b.learn_interview([(false, vec![turn])]);
    assert!(b.redact_learned(turn).starts_with("The [ACCOUNT] runs"), "{}", b.redact_learned(turn));
}

/// Classes from the `ngo` (UK, Ireland, Australia, Canada) and `lus` (Lusophone and Latin
/// American) blind rounds.
#[test]
fn buildings_welsh_names_dotted_initials_events_and_tools() {
    let learned = |turns: &[&str]| {
        let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
        a.learn_interview([(false, turns.to_vec())]);
        turns.iter().map(|turn| a.redact_learned(turn)).collect::<Vec<_>>()
    };
    // Buildings and neighbourhoods named by their noun, and the name said alone later.
    let out = learned(&[
        "Head office is Tŷ Cwmtawe, on the high street. Everyone knows Cwmtawe.",
        "We're in the Edifício Kianda, fourth floor, up in the mountains, sector Pinar Quemado.",
        "He sat in Chamberlain House with us for an afternoon.",
        "Companies House has the filing, and the Town Hall and the Magistrates Court too.",
    ]);
    assert_eq!(out[0], "Head office is [ADDRESS], on the high street. Everyone knows [ADDRESS].");
    assert_eq!(
        out[1],
        "We're in the [ADDRESS], fourth floor, up in the mountains, sector [ADDRESS]."
    );
    assert_eq!(out[2], "He sat in [ADDRESS] with us for an afternoon.");
    assert_eq!(
        out[3],
        "Companies House has the filing, and the Town Hall and the Magistrates Court too."
    );
    // An organisation whose brand comes last, its short form, its legal form, its owner.
    let out = learned(&[
        "I'm Head of Community Investment at the Community Housing Trust of the Valleys. Most people just say the Valleys Trust.",
        "Everyone says \"el Instituto Tecnico Nacional de Aguadulce\" or just \"el ITNA\". The ITNA has two campuses.",
        "I'm co-owner of the Centro Médico Los Almendros, in the north.",
        "We signed with Palanca Negra Seguros, Lda. last year. Before Ege Pamuk Inc. I was elsewhere.",
    ]);
    assert!(
        out[0].ends_with("at the [ACCOUNT]. Most people just say the [ACCOUNT]."),
        "{}",
        out[0]
    );
    assert!(out[1].contains("\"el [ACCOUNT]\". The [ACCOUNT] has"), "{}", out[1]);
    assert!(!out[2].contains("Almendros"), "{}", out[2]);
    assert!(!out[3].contains("Palanca") && out[3].contains("Before [ACCOUNT]"), "{}", out[3]);
    // People: Welsh mutations of a listed name, a patronymic particle, dotted initials, the
    // interviewer's "Who's X?", a lower-case given name before a surname in raw captions.
    let contacts = vec!["Dafydd Rowlands".to_string(), "Rhys Pugh".to_string()];
    let parties = KnownParties { contacts: &contacts, ..KnownParties::default() };
    let a = Anonymizer::new(&parties, &Aliases::default());
    assert_eq!(
        a.redact("Roedd e'n dweud wrth Ddafydd, fine."),
        "Roedd e'n dweud wrth [BUYER], fine."
    );
    assert!(!a.redact("Ask Rhys ap Iorwerth, he coordinates.").contains("Iorwerth"));
    let scope = Scope::default();
    assert_eq!(
        gazetteer::absorb_adjacent_parts(&scope, "and [COLLEAGUE 4] ap Iorwerth, who"),
        "and [COLLEAGUE 4], who"
    );
    assert_eq!(
        gazetteer::absorb_adjacent_parts(&scope, "in [CITY], [ADDRESS] Nimy. [ADDRESS] The rest"),
        "in [CITY], [ADDRESS]. [ADDRESS] The rest"
    );
    assert_eq!(
        a.redact("J.P., he is our IT person, in the U.K. office."),
        "[NAME], he is our IT person, in the U.K. office."
    );
    assert_eq!(a.redact("Tell Rhys he's welcome."), "Tell [COLLEAGUE 1] he's welcome.");
    for men in ["Men", "Fill", "Mill", "Fair"] {
        assert!(
            !super::people::inflected_forms(&men.replacen(['M', 'F'], "B", 1))
                .contains(&men.to_string())
        );
    }
    let out = learned(&["Will's our IT lead, he built the macros.", "Who's Will?"]);
    assert_eq!(out[1], "Who's [COLLEAGUE 1]?", "{out:?}");
    let captions = [
        "who was involved on your side",
        "me and sterling pugh she's our finance manager and pugh did the numbers",
    ];
    let contacts = vec!["Gwen Pugh".to_string()];
    let parties = KnownParties { contacts: &contacts, ..KnownParties::default() };
    let b = Anonymizer::new(&parties, &Aliases::default());
    let filler =
        "we looked at the grants module and the reports and the volunteer rota ".repeat(12);
    b.learn_interview([(false, vec![captions[0], captions[1], filler.as_str()])]);
    let out = b.redact_learned(captions[1]);
    assert!(out.starts_with("me and [") && !out.contains("sterling"), "{out}");
    // Never a name: tools, titles alone, laws by number, greetings, festivals, countries as
    // their own speakers write them.
    let out = learned(&[
        "We use Xero. Kindrell talks to Xero for the grant money.",
        "Everyone calls me Engenheira even though I sell insurance.",
        "The second was Loi 25, the Québec privacy law. Lantern had a Loi 25 package.",
        "Diolch yn fawr, Rhiannon. Go raibh maith agat. Abraço.",
        "Before Festa Junina it is quiet, and after Día de Reyes it starts again.",
        "Two brokers in República Dominicana and one in Cabo Verde.",
    ]);
    assert_eq!(out[0], "We use Xero. Kindrell talks to Xero for the grant money.");
    assert_eq!(out[1], "Everyone calls me Engenheira even though I sell insurance.");
    assert!(out[2].contains("was Loi 25") && out[2].contains("a Loi 25 package"), "{}", out[2]);
    assert!(
        out[3].starts_with("Diolch yn fawr,") && out[3].ends_with("Go raibh maith agat. Abraço."),
        "{}",
        out[3]
    );
    assert!(out[4].contains("Festa Junina") && out[4].contains("Día de Reyes"), "{}", out[4]);
    assert_eq!(out[5], "Two brokers in República Dominicana and one in Cabo Verde.");
}

#[test]
fn us_towns_that_are_words_counties_and_toll_free_words() {
    let a = anonymizer();
    let texts = [
        "Main office is in Commerce. About three hundred units.",
        "A hundred and twelve lots out here in Friendship, that's the whole park.",
        "Ninety-one lots on County Road 12 just outside Happy. Swisher County.",
        "Mail goes to PO Box 1187, Commerce, Oklahoma 74339-1187.",
        "We opened in Uptown Normal in 2016.",
        "Our office is in Finance. We're in Production now, the team in Sales agrees.",
    ];
    a.learn_from(texts);
    let out: Vec<String> = texts.iter().map(|text| a.redact(text)).collect();
    assert!(out[0].starts_with("Main office is in [CITY]."), "{}", out[0]);
    assert!(out[1].contains("out here in [CITY],"), "{}", out[1]);
    assert!(out[2].contains("just outside [CITY]. [CITY]."), "{}", out[2]);
    assert!(!out[3].contains("Commerce"), "{}", out[3]);
    assert!(out[4].contains("Uptown [CITY]"), "{}", out[4]);
    assert_eq!(out[5], texts[5]);
    let redacted =
        |text: &str| contact::redact_addresses(&contact::redact_contacts(text), |_| false);
    assert_eq!(
        redacted("the dues notices, 855-GO-HOLLOW, rolls to my cell. PHA code AR119."),
        "the dues notices, [PHONE], rolls to my cell. PHA code [ID]."
    );
    assert_eq!(
        redacted("error code 500 and ISO 9001, code E5"),
        "error code 500 and ISO 9001, code E5"
    );
    for (said, kept) in [
        ("pays by Venmo or Zelle", "Venmo"),
        ("Thank you, cher. Enjoy Mardi Gras.", "cher"),
        ("Osiyo. Call me back.", "Osiyo"),
        ("we also have a Fannie Mae loan", "Fannie Mae"),
        ("if the fifth lands on Juneteenth or whatever", "Juneteenth"),
    ] {
        a.learn_from([said]);
        assert!(a.redact(said).contains(kept), "{said}");
    }
}

#[test]
fn asian_messenger_ids_codes_lots_and_buildings() {
    let redacted =
        |text: &str| contact::redact_addresses(&contact::redact_contacts(text), |_| false);
    assert_eq!(
        redacted("WeChat is best, kevinzw_jh88. LINE, my id is jackwu.hyo. Our UBN is 53917264."),
        "WeChat is best, [HANDLE]. LINE, my id is [HANDLE]. Our UBN is [ID]."
    );
    assert_eq!(
        redacted("We are in KCN Nhơn Trạch 5, Lô B-14, and Purok 5, 99/27 Moo 4."),
        "We are in KCN Nhơn Trạch 5, [ADDRESS], and [ADDRESS], 99/[ADDRESS]."
    );
    assert_eq!(
        redacted("Yanagisawa 3-chome 14-7, and the front line, v2 is fine. Telegram is great."),
        "[ADDRESS], and the front line, v2 is fine. Telegram is great."
    );
    let abbreviations = "We use WhatsApp, e.g. for orders, and LINE after 9 a.m. every day.";
    assert_eq!(redacted(abbreviations), abbreviations);
    let scope = Scope::default();
    assert_eq!(
        gazetteer::absorb_adjacent_parts(
            &scope,
            "addressed to Yanagisawa [ADDRESS]-7, and To [ADDRESS]"
        ),
        "addressed to [ADDRESS], and To [ADDRESS]"
    );
    let protected = protect::Protected::default();
    assert_eq!(
        places::buildings(
            "in the Fook Hing Industrial Building, and Magistrates Court",
            &protected
        ),
        vec!["Fook Hing Industrial Building".to_string(), "Fook Hing".to_string()]
    );
    for (said, building) in [
        ("Our office is [ADDRESS], Kai Fat Commercial Tower, [ADDRESS]", "Kai Fat"),
        ("The main godown is in Kin Fung Industrial Centre, 11 Road", "Kin Fung"),
        ("in the region, in Tokzor mahalla, about three hours", "Tokzor"),
        ("warehouses in [CITY], Shangjiao village, near the port", "Shangjiao"),
    ] {
        let found = places::buildings(said, &protected);
        assert!(found.iter().any(|f| f == building), "{said}: {found:?}");
    }
    // An English word before "village" is the sentence's ("a global village").
    assert!(places::buildings("it is a Global village now", &protected).is_empty());
    assert!(super::name_forms("Kim Min-ji").contains(&"Minji".to_string()));
    // "Dung" as foreigners write "Dũng": an English word when folded, so a spelling of its own.
    let contacts = vec!["Nguyễn Thị Thu Hoa".to_string(), "Lê Văn Dũng".to_string()];
    let parties =
        KnownParties { contacts: &contacts, rep: "Jerome Villanueva", ..Default::default() };
    let a = Anonymizer::new(&parties, &Aliases::default());
    let said = "Dũng is in accounting. Foreigners write Mr. Dung, without the accent.";
    a.learn_from([said]);
    assert_eq!(
        a.redact(said),
        "[COLLEAGUE 1] is in accounting. Foreigners write Mr. [COLLEAGUE 1], without the accent."
    );
    let mut terms = vec![];
    crm::account_terms("Pine Hollow Homeowners Association", "[ACCOUNT]", &mut terms);
    assert!(terms.iter().any(|term| term.form == "PHHOA"), "{terms:?}");
}

#[test]
fn the_name_people_use_for_the_place_is_the_account() {
    let a = anonymizer();
    let texts = [
        "Now it's Sunset Acres MHC LLC. Most folks just say the Acres.",
        "We call it the Villas, the students call it VCB, and the owner is in Dallas.",
        "Everybody out here just calls it the Hale. We just call it CRM, and they call it the Cloud.",
        "The Acres has ninety lots, the Villas four hundred beds; VCB pays on time.",
    ];
    a.learn_from(texts);
    let out = a.redact(texts[3]);
    assert_eq!(
        out,
        "The [ACCOUNT] has ninety lots, the [ACCOUNT] four hundred beds; [ACCOUNT] pays on time."
    );
    assert!(a.redact(texts[2]).contains("call it CRM"), "{}", a.redact(texts[2]));
}

#[test]
fn phones_said_in_groups_streets_named_before_their_word_and_lots() {
    let redacted =
        |text: &str| contact::redact_addresses(&contact::redact_contacts(text), |_| false);
    assert_eq!(
        redacted(
            "My number is 077 45 82 19, zéro soixante-dix-sept, quarante-cinq, quatre-vingt-deux, dix-neuf."
        ),
        "My number is [PHONE], [PHONE]."
    );
    assert_eq!(
        redacted(
            "call me on [PHONE], sıfır beş yüz otuz iki, dört yüz on sekiz, yetmiş altı, yirmi beş."
        ),
        "call me on [PHONE], [PHONE]."
    );
    // Amounts and counts in words, with no phone before them, stay.
    let amounts = "We paid deux cent mille, trois cent mille, quatre cent mille, cinq cent mille.";
    assert_eq!(redacted(amounts), amounts);
    assert_eq!(
        redacted(
            "north of it. Atatürk Caddesi No: 88/3, and Rehov HaTomer 7, and Narınclı qəsəbəsi."
        ),
        "north of it. [ADDRESS], and [ADDRESS] 7, and [ADDRESS]."
    );
    assert_eq!(
        redacted(
            "to our office, Lot II F 23, or Lot IVG 204 Bis, quartier Sokoura. Our STIR, 307418592."
        ),
        "to our office, [ADDRESS], or [ADDRESS], [ADDRESS]. Our STIR, [ID]."
    );
    assert_eq!(
        redacted("write to ayse at poyrazaltyapi nokta com nokta tr please"),
        "write to [EMAIL] please"
    );
    assert!(super::name_forms("Sherzod Karimov").contains(&"Sherzodbek".to_string()));
    let a = anonymizer();
    for said in [
        "We said after Maslenitsa, and after Kurban Bayramı.",
        "Mbolo, good morning. Matondo mingi. Sağ olun, kolay gelsin.",
        "Bank Al-Maghrib and the teudat zehut, in Côte d'Ivoire, paid by Flooz.",
    ] {
        a.learn_from([said]);
        assert_eq!(a.redact(said), said);
    }
}

#[test]
fn spoken_emails_of_any_country_bare_ids_short_codes_initials_villages_and_respellings() {
    let redacted =
        |text: &str| contact::redact_addresses(&contact::redact_contacts(text), |_| false);
    // Spoken e-mails with any country's domain, and the Nordic and Indian ways to say "at".
    assert_eq!(
        redacted("write me, awa point sarr arobase mutuelle kaolack point sn. Merci."),
        "write me, [EMAIL]. Merci."
    );
    assert_eq!(redacted("it is ravi at the rate padhloop dot in"), "it is [EMAIL]");
    assert_eq!(redacted("mail anna snabel-a vardhem punkt se today"), "mail [EMAIL] today");
    // Seven to nine digits together are an id, however many words stand between it and its
    // cue; amounts, counts and dates stay.
    assert_eq!(
        redacted("they asked for our licence twice, 48203917, it is on every page"),
        "they asked for our licence twice, [ID], it is on every page"
    );
    for kept in [
        "We paid 2500000 USD in total.",
        "It handles 12000000 records a day.",
        "Live since 20240315, no issues.",
        "About $4500000 a year.",
        "Revenue was 3,500,000 last year.",
    ] {
        assert_eq!(redacted(kept), kept);
    }
    // Four digits read out (the last four of a card or a social security number).
    assert_eq!(redacted("she read me six two nine one out loud"), "she read me [ID] out loud");
    assert_eq!(redacted("one two three four, go"), "one two three four, go");
    // Initials spaced with their dots, and initials a person signs with; not a contract
    // signed or a sentence's end.
    let a = anonymizer();
    for (said, expected) in [
        ("When R. T. says no, the board listens.", "When [NAME] says no, the board listens."),
        ("In the tickets she signs JBT, always.", "In the tickets she signs [NAME], always."),
        ("His initials are KW on every form.", "His initials are [NAME] on every form."),
        ("We signed NDA and MSA in a week.", "We signed NDA and MSA in a week."),
        ("Every year she signs NDA for us.", "Every year she signs NDA for us."),
        (
            "We went with plan B. I think it was right.",
            "We went with plan B. I think it was right.",
        ),
    ] {
        a.learn_from([said]);
        assert_eq!(a.redact(said), expected);
    }
    // A village named by the word for one.
    let village = "The office is not in the city, it is in the aul Sarybulak near the road.";
    a.learn_from([village]);
    assert_eq!(
        a.redact(village),
        "The office is not in the city, it is in the aul [ADDRESS] near the road."
    );
    // Another spelling of a listed person's name, as transliterations vary it.
    let contacts = vec!["Dmitry Yusupov".to_string()];
    let parties = KnownParties {
        contacts: &contacts,
        buyer_speakers: vec!["Dmitry Yusupov"],
        ..Default::default()
    };
    let a = Anonymizer::new(&parties, &Aliases::default());
    let said = "On the visa it says Iusupov, on the contract Yusupov.";
    a.learn_from([said]);
    assert_eq!(a.redact(said), "On the visa it says [BUYER], on the contract [BUYER].");
}

#[test]
fn phones_in_nordic_and_hindi_words_payment_handles_postcodes_short_ids_and_indian_addresses() {
    let redacted =
        |text: &str| contact::redact_addresses(&contact::redact_contacts(text), |_| false);
    for (said, expected) in [
        // A phone read in Swedish number groups, and in Hindi digits.
        ("My mobile, noll sju tre, fyra ett sex, nittio två, arton.", "My mobile, [PHONE]."),
        (
            "Office number, nau aath do aath shunya, ek teen saat paanch chhah.",
            "Office number, [PHONE].",
        ),
        // English words that are also those digits stay.
        (
            "We had to do two things and fire three vendors.",
            "We had to do two things and fire three vendors.",
        ),
        // A payment handle with no domain.
        (
            "Our UPI ID is sunrise.classes@okaxis, on every receipt.",
            "Our UPI ID is [HANDLE], on every receipt.",
        ),
        // Postcodes that close an address, or after their name.
        ("PO Box 88, Yarrabin Creek NT 0870.", "[ADDRESS], Yarrabin Creek NT [ADDRESS]."),
        (
            "and the postcode's 2480, our auditor said",
            "and the postcode's [ADDRESS], our auditor said",
        ),
        (
            "[ADDRESS], RD 2, Ōtaki Beach 5581, it said.",
            "[ADDRESS], [ADDRESS], Ōtaki Beach [ADDRESS], it said.",
        ),
        ("hosted in [CITY], and they had ISO 27001.", "hosted in [CITY], and they had ISO 27001."),
        ("[CITY] 2500 members strong", "[CITY] 2500 members strong"),
        // Short register numbers after our own acronym or a register's number.
        ("Our ICN is 8127 for the regulator.", "Our ICN is [ID] for the regulator."),
        ("Band number's 318 if they need it.", "Band number's [ID] if they need it."),
        (
            "Our NPS is 120 now and their CRM was 1200.",
            "Our NPS is 120 now and their CRM was 1200.",
        ),
        // Hyphen-grouped ids; not dates.
        (
            "it says 50-48213-0-9 on the form, since 2024-03-15",
            "it says [ID] on the form, since 2024-03-15",
        ),
        // Indian and rural addresses.
        (
            "Head office is Plot No. 17, Sector 21, near the station.",
            "Head office is [ADDRESS], [ADDRESS], near the station.",
        ),
        (
            "at the hall, Lot 7 DP 784512, Long Gully Lane. That is it.",
            "at the hall, [ADDRESS] [ADDRESS], [ADDRESS]. That is it.",
        ),
        ("Ward No. 9 is where we are.", "[ADDRESS] is where we are."),
    ] {
        assert_eq!(redacted(said), expected, "{said}");
    }
    // A school and the trust that runs it; the board's letters stay.
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let texts = [
        "I am the principal of Little Wren ICSE School. The school is run by Saraswathi Vidya Trust.",
        "Kaveri Public School, run by the Kaveri Education Society. We follow ICSE.",
        "It is flat 3B, Shanti Apartments, near the temple.",
    ];
    a.learn_from(texts);
    assert_eq!(
        a.redact(texts[0]),
        "I am the principal of [ACCOUNT]. The school is run by [ACCOUNT]."
    );
    assert_eq!(a.redact(texts[1]), "[ACCOUNT], run by the [ACCOUNT]. We follow ICSE.");
    assert_eq!(a.redact(texts[2]), "It is flat 3B, [ADDRESS], near the temple.");
    assert_eq!(
        a.redact("Little Wren has nine hundred pupils."),
        "[ACCOUNT] has nine hundred pupils."
    );
    // Thanks and greetings of the Baltic, Sámi and Indian languages are nobody.
    for word in ["Giitu", "Paldies", "Bohoma", "Dhonnobad", "Qujannamiik"] {
        assert!(person_name(word).is_none(), "{word}");
    }
    let greeted = "Selv tak. Laba diena. Kem cho. Ram Ram. Buorre beaivi.";
    a.learn_from([greeted]);
    assert_eq!(a.redact(greeted), greeted);
}

#[test]
fn phones_in_dutch_and_spanish_words_register_numbers_estates_and_german_nouns() {
    let redacted =
        |text: &str| contact::redact_addresses(&contact::redact_contacts(text), |_| false);
    for (said, expected) in [
        (
            "call me: nul zes drie acht vier zeven twee negen een vijf. Thanks.",
            "call me: [PHONE]. Thanks.",
        ),
        (
            "My cell is treinta y tres, dieciocho, cuarenta y dos, setenta, cero nueve. Or visit.",
            "My cell is [PHONE]. Or visit.",
        ),
        (
            "a proposal with our RTN, 08019012345678, very complete",
            "a proposal with our RTN, [ID], very complete",
        ),
        ("HRB 110472, for their CRM.", "HRB [ID], for their CRM."),
        ("registered as trustees, IT/145872, and", "registered as trustees, [ID], and"),
        ("the state, number ENS/CTCS/1487. Both", "the state, number [ID]. Both"),
        ("We have paybill 522918 and a till.", "We have paybill [ID] and a till."),
        ("deliveries to č.p. 123, the side gate", "deliveries to [ADDRESS], the side gate"),
        ("per ISO/27001 and 24/7 support", "per ISO/27001 and 24/7 support"),
    ] {
        assert_eq!(redacted(said), expected, "{said}");
    }
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let texts = [
        "We are in Kumasi, well, just outside, at Nkwanta Estate.",
        "Our office is Gewerbegebiet Nord, next to the river.",
        "Sure. Norteco, we say. We distribute cleaning products.",
        "I'm the treasurer at Bright Star Holiness Church. We are small.",
        "I'm Ana, jefa de distribución at Panadería La Espiga. We bake bread.",
    ];
    a.learn_from(texts);
    assert_eq!(a.redact(texts[0]), "We are in [CITY], well, just outside, at [ADDRESS].");
    assert_eq!(a.redact(texts[1]), "Our office is [ADDRESS], next to the river.");
    assert_eq!(a.redact(texts[2]), "Sure. [ACCOUNT], we say. We distribute cleaning products.");
    assert_eq!(a.redact(texts[3]), "I'm the treasurer at [ACCOUNT]. We are small.");
    assert!(a.redact(texts[4]).contains("at [ACCOUNT]. We bake"), "{}", a.redact(texts[4]));
    // German common nouns are nobody; surnames with the same endings stay people.
    for noun in ["Geschäftsführung", "Instandhaltungsleiter", "Gemeinderat", "Landesbeamter"] {
        assert!(person_name(noun).is_none(), "{noun}");
    }
    for name in ["Hartung", "Baumeister", "Jung"] {
        assert!(person_name(name).is_some(), "{name}");
    }
    let said = "Schönen Feierabend. Pura vida! The Ministerio de Salud and SUNAT were slow.";
    a.learn_from([said]);
    assert_eq!(a.redact(said), said);
}

#[test]
fn estates_localities_turkish_streets_towers_honorifics_greek_forms_and_greetings() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let texts = [
        "We grow catarratto up in contrada Gurgo, and we are in frazione Bricco, above Asti.",
        "Outside the village, at Mas Roure, the old farmhouse. The family at Masseria Pantano too.",
        "Yes, Lale Sokak No: 12, Fındıklıdere Mahallesi. We are a BPO in the Doosil Valley Tower.",
        "We started with farms round Ludlow and Nether Sulk, then Bishops Castle.",
        "Lee daeri built the test rules. Then Kang siljangnim signed. Ate Joy checked it.",
        "Demat! Kenavo. Moien, villmools merci. Kaixo, eskerrik asko. Bongu. Sugohaseyo.",
    ];
    a.learn_from(texts);
    let out: Vec<String> = texts.iter().map(|t| a.redact(t)).collect();
    for (text, gone) in [
        (&out[0], vec!["Gurgo", "Bricco"]),
        (&out[1], vec!["Roure", "Pantano"]),
        (&out[2], vec!["Fındıklıdere", "Doosil"]),
        (&out[3], vec!["Nether Sulk"]),
        (&out[4], vec!["Lee", "Kang", "Joy"]),
    ] {
        for word in gone {
            assert!(!text.contains(word), "{word}: {text}");
        }
    }
    assert!(out[4].contains("daeri built"), "{}", out[4]);
    assert_eq!(out[5], texts[5], "greetings are no names");
    // A Greek surname in the genitive, and a given name in its Greek form, from the CRM.
    let contacts = vec!["Irene Papadakis".to_string(), "Nikos Vlachos".to_string()];
    let parties = KnownParties { contacts: &contacts, ..KnownParties::default() };
    let a = Anonymizer::new(&parties, &Aliases::default());
    let out = a.redact("They call it tou Papadaki. Irini said so, and the Vlachou family agreed.");
    for word in ["Papadaki", "Irini", "Vlachou"] {
        assert!(!out.contains(word), "{word}: {out}");
    }
}
#[test]
fn a_hyphenated_word_after_an_article_is_a_thing() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let texts = [
        "So everyone says Wetherdale, or just the Co-op. About a hundred members.",
        "Herdwise was better for a co-op specifically.",
        "She gave it to me on a Post-it. Herdwise had a proper form.",
        "Yu-na signed it, and Min-jun agreed.",
    ];
    a.learn_from(texts);
    for text in &texts[..3] {
        assert_eq!(a.redact(text), *text);
    }
    let names = a.redact(texts[3]);
    assert!(!names.contains("Yu-na") && !names.contains("Min-jun"), "{names}");
}

#[test]
fn names_with_kinship_words_thai_titles_roles_and_sides() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let texts = [
        "Mercy sister, the nursing superintendent, asked for it.",
        "Much stronger. Jolly chechi, our senior technician, liked it.",
        "I do the purchase. Raja anna is the accountant.",
        "Very smart girl. P'Mint we call her, she runs the counter.",
        "The loan officer is Mint. She checks every file.",
        "And Ice, our IT, he said the server was too old.",
        "Honestly, Rutger from your side was honest with us.",
        "Too slick, maybe. When Lakshmi akka asked how it settles, they had no answer.",
    ];
    a.learn_from(texts);
    let out: Vec<String> = texts.iter().map(|t| a.redact(t)).collect();
    for (text, gone) in [
        (&out[0], "Mercy"),
        (&out[1], "Jolly"),
        (&out[2], "Raja"),
        (&out[3], "Mint"),
        (&out[4], "Mint"),
        (&out[5], "Ice"),
        (&out[6], "Rutger"),
    ] {
        assert!(!text.contains(gone), "{gone}: {text}");
    }
    assert!(out[7].contains("When [") && !out[7].contains("Lakshmi"), "{}", out[7]);
    // Offices, titles and caption contractions the tagger may take for people.
    for said in ["Mairie", "le maire", "Leiter Verkauf", "Direktur Utama", "thats", "Treuhänder"] {
        assert_eq!(person_name(said), None, "{said}");
    }
    // The tagger's "I'm Muthu" is Muthu: the speaker's "I'm" stays.
    assert!(matches!(person_name("I'm Muthu"), Some(Found::Person(name)) if name == "Muthu"));
    assert!(out[0].contains("sister") && out[1].contains("chechi"), "{} / {}", out[0], out[1]);
}

#[test]
fn organisations_named_with_their_legal_form_of_other_countries_or_their_trust() {
    let a = Anonymizer::new(&KnownParties::default(), &Aliases::default());
    let texts = [
        "I am the director of Žitni Breg d.o.o., a storage company.",
        "I'm the managing director, of Zbożex. Zbożex Sp. z o.o. We are traders.",
        "I am deputy director of Oltin Boshoq MChJ. We mill flour.",
        "We are the Voluntary Blood Bank of the Sengamalam Trust, in the south.",
    ];
    a.learn_from(texts);
    for (text, gone) in texts.iter().zip(["Žitni Breg", "Zbożex", "Oltin Boshoq", "Sengamalam"]) {
        let out = a.redact(text);
        assert!(!out.contains(gone), "{gone}: {out}");
    }
}
