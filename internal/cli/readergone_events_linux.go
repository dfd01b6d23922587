package cli

// pollEvents are the events readerGone asks for: none, since Linux reports
// an error or a hang-up whatever was asked.
const pollEvents = 0
