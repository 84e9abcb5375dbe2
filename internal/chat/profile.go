package chat

import "context"

// UpdateProfile changes the caller's display name and/or status message and
// tells everyone who can see the caller, live.
func (s *Service) UpdateProfile(ctx context.Context, caller UserID, p ProfileUpdate) (User, error) {
	if p.DisplayName == nil && p.StatusMessage == nil {
		return User{}, Errorf(Invalid, "nothing to change: give display_name or status_message")
	}
	if p.DisplayName != nil {
		name, err := validateDisplayName(*p.DisplayName)
		if err != nil {
			return User{}, err
		}
		p.DisplayName = &name
	}
	if p.StatusMessage != nil {
		status, err := validateStatusMessage(*p.StatusMessage)
		if err != nil {
			return User{}, err
		}
		p.StatusMessage = &status
	}
	if !s.people.profiles.Allow(string(caller)) {
		return User{}, Errorf(RateLimited, "changing the profile too often, slow down")
	}
	u, err := s.store.UpdateProfile(ctx, caller, p)
	if err != nil {
		return User{}, err
	}
	s.publishProfile(ctx, u)
	return u, nil
}
