fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut sm = journeyc::source::SourceMap::new();
    let id = sm.add(journeyc::source::SourceFile::new(path.clone(), path.clone(), text.clone()));
    let (m, d) = journeyc::syntax::parse(id, &text);
    println!("{} items", m.items.len());
    for x in &d { print!("{}", journeyc::diagnostics::render::human(x, &sm, Default::default())); }
    if std::env::args().nth(2).is_some() { println!("{:#?}", m); }
}
