package mattermostfake

import "fmt"

// Post creates a post as p.UserID (a user's message to the bot, say) and
// broadcasts its posted event. It returns the stored post, with its id.
func (s *Server) Post(p Post) (Post, error) {
	if p.UserID == "" {
		return Post{}, fmt.Errorf("mattermost fake: a post needs a UserID")
	}
	s.mu.Lock()
	_, known := s.users[p.UserID]
	s.mu.Unlock()
	if !known {
		return Post{}, fmt.Errorf("mattermost fake: unknown user %q", p.UserID)
	}
	stored, _, err := s.createPostAs(p.UserID, p)
	if err != nil {
		return Post{}, fmt.Errorf("mattermost fake: %w", err)
	}
	return *stored, nil
}

// AddFile stores a file, as a user's upload would, and returns its id.
func (s *Server) AddFile(f File) string {
	if f.ID == "" {
		f.ID = NewID()
	}
	if f.Size == 0 {
		f.Size = int64(len(f.Data))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[f.ID] = &f
	return f.ID
}
